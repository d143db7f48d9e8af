"""值班: seven-day service and leaders on duty, shown on the public site and the hall display."""
