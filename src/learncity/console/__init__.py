"""The office's console (평생학습 행정 콘솔): staff-only pages over analytics and planning,
scoped by role. No business logic here."""
