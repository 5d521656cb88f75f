//! How long a dropped live stream waits before it tries again: doubling
//! from 2 s to at most 30 s, plus up to a second at random, so that the
//! readers of a server that restarts do not all come back at one instant.

/// The wait before the `attempt`th retry (1 for the first), given a random
/// number in `[0, 1)`.
pub fn delay_ms(attempt: u32, random: f64) -> u64 {
    let seconds = 2u64.saturating_pow(attempt.clamp(1, 5)).min(30);
    let jitter = (random.clamp(0.0, 0.999) * 1000.0) as u64;
    seconds * 1000 + jitter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_thirty_seconds_with_up_to_a_second_of_jitter() {
        assert_eq!(delay_ms(1, 0.0), 2_000);
        assert_eq!(delay_ms(2, 0.0), 4_000);
        assert_eq!(delay_ms(4, 0.0), 16_000);
        assert_eq!(delay_ms(5, 0.0), 30_000);
        assert_eq!(delay_ms(50, 0.0), 30_000);
        assert_eq!(delay_ms(0, 0.0), 2_000);
        assert_eq!(delay_ms(1, 0.5), 2_500);
        assert!(delay_ms(3, 0.9999) < 9_000);
    }
}
