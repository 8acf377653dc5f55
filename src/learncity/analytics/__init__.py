"""Indicators of the learning city (지표), the satisfaction survey (만족도 조사) and the annual
evaluation report (평가 보고서). Computations live in pure modules under learncity.algorithms."""
