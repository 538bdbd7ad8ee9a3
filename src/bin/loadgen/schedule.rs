//! The fixed sending schedule of the WebSocket ingest: every session sends one frame every
//! `period`, the sessions' first sends spread evenly over one period so that they do not all
//! fire at once. Latency is measured from these *scheduled* instants, so a generator or server
//! that falls behind shows up as latency instead of silently sending less (no coordinated
//! omission).

use std::time::{Duration, Instant};

/// When session `index` of `sessions` sends its `n`-th frame.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// The instant the first session sends its first frame.
    pub start: Instant,
    /// Time between two frames of one session.
    pub period: Duration,
    /// Number of sessions sharing the schedule.
    pub sessions: usize,
}

impl Schedule {
    /// The period that sends `events_per_sec` in frames of `events_per_frame`.
    pub fn period_for(events_per_sec: u32, events_per_frame: u32) -> Duration {
        Duration::from_secs_f64(f64::from(events_per_frame) / f64::from(events_per_sec.max(1)))
    }

    /// How far into the period session `index` is offset.
    pub fn offset(&self, index: usize) -> Duration {
        let sessions = self.sessions.max(1) as u32;
        self.period * (index % self.sessions.max(1)) as u32 / sessions
    }

    /// The scheduled instant of frame `n` (0-based) of session `index`.
    pub fn send_at(&self, index: usize, n: u64) -> Instant {
        self.start + self.offset(index) + self.period.mul_f64(n as f64)
    }
}

/// Frames session `index` sends before its first scheduled step, so that the sessions'
/// scores (one every `score_every_events`) fall due evenly over the scoring cycle instead of
/// all within the same frame period.
pub fn stagger_frames(index: usize, events_per_frame: u64, score_every_events: u64) -> u64 {
    index as u64 % score_every_events.div_ceil(events_per_frame.max(1))
}

/// The frame that brought a session's event count to `events_seen` (0-based), when every
/// frame carries `events_per_frame` events.
pub fn frame_index(events_seen: u64, events_per_frame: u64) -> Option<u64> {
    (events_seen / events_per_frame.max(1)).checked_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_events_per_second_in_frames_of_five_is_one_frame_every_250_ms() {
        assert_eq!(Schedule::period_for(20, 5), Duration::from_millis(250));
    }

    #[test]
    fn sessions_are_spread_evenly_over_one_period() {
        let start = Instant::now();
        let schedule = Schedule {
            start,
            period: Duration::from_millis(250),
            sessions: 4,
        };
        let offsets: Vec<u128> = (0..5).map(|i| schedule.offset(i).as_millis()).collect();
        assert_eq!(offsets, vec![0, 62, 125, 187, 0]);
        assert_eq!(
            schedule.send_at(1, 2) - start,
            Duration::from_micros(62_500) + Duration::from_millis(500)
        );
    }

    #[test]
    fn staggered_sessions_fall_due_for_a_score_evenly_over_the_cycle() {
        // 20 events/s in frames of 5, scored every 50 events: a 10-frame cycle. Count, for
        // 1,000 sessions, in which frame of the cycle each one's first score falls due.
        let mut due = [0u32; 10];
        for index in 0..1000 {
            let already = stagger_frames(index, 5, 50) * 5;
            let frames_to_score = (50 - already).div_ceil(5);
            due[(frames_to_score - 1) as usize] += 1;
        }
        assert_eq!(due, [100; 10]);
        // A frame size that does not divide the cadence still staggers over the whole cycle.
        let frames: Vec<u64> = (0..9).map(|i| stagger_frames(i, 7, 50)).collect();
        assert_eq!(frames, vec![0, 1, 2, 3, 4, 5, 6, 7, 0]);
    }

    #[test]
    fn a_score_maps_back_to_the_frame_that_completed_its_events() {
        assert_eq!(frame_index(50, 5), Some(9));
        assert_eq!(frame_index(5, 5), Some(0));
        assert_eq!(frame_index(0, 5), None);
    }
}
