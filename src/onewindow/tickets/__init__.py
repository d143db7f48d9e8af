"""tickets: queues, tickets and their events, appointments, calling and the hall displays."""
