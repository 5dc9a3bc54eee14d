"""The supervisor's tally view (督查：业务统计)."""
