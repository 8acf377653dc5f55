"""The 15-minute learning zone (15분 평생학습권): accessibility, coverage gaps and site
planning. Algorithms live in pure modules under learncity.algorithms."""
