"""When to try a failed webhook delivery again (pure: the caller passes a uniform draw).

Exponential backoff with "equal jitter" (Brooker, "Exponential Backoff And Jitter", AWS
Architecture Blog, 2015): after the n-th failure the nominal delay is
``min(cap, base * factor ** (n - 1))`` and the actual delay is half of it plus a uniform
share of the other half, so receivers that failed together do not retry together, yet no
retry comes sooner than half the nominal delay. After ``max_attempts`` failures the
delivery is dead-lettered and waits for someone to retry it.

Defaults: 30 s, doubling, at most 1 h apart, 10 attempts: the nine nominal delays add up to
3.1 hours, so the last attempt comes 1.5 to 3.1 hours after the first.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base_s: float = 30.0
    factor: float = 2.0
    cap_s: float = 3600.0
    max_attempts: int = 10
    timeout_s: float = 10.0
    lease_s: float = 120.0  # a claimed delivery is not retried by another worker before this

    def nominal_delay_s(self, failures: int) -> float:
        """The delay before the next attempt after ``failures`` failures, before jitter."""
        return float(min(self.cap_s, self.base_s * self.factor ** max(failures - 1, 0)))

    def delay_s(self, failures: int, u: float) -> float:
        """The jittered delay for a uniform draw ``u`` in [0, 1)."""
        d = self.nominal_delay_s(failures)
        return d / 2.0 + d / 2.0 * min(max(u, 0.0), 1.0)

    def exhausted(self, failures: int) -> bool:
        return failures >= self.max_attempts
