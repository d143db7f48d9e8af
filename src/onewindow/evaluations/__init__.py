"""好差评: ratings of each service at a window and of each case, and the bad-rating loop.

Honest by construction: a rating is created only by `services.rate`, from a rater's own action
with the signed token of the service or case it rates (`tokens`); staff signed in cannot rate;
nothing is ever pre-selected or defaulted, and a service nobody rated stays not rated.
"""
