"""The lifelong learning record (평생학습 이력): completed courses in hours by area, year and
institution, transcripts, and verifiable credentials (Open Badges 3.0)."""
