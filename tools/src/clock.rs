//! The one clock every tool reads, so a snapshot replays at its recorded "now".

use jiff::Timestamp;

/// Either the system clock or a fixed instant (a replayed snapshot's `now`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    #[default]
    System,
    Frozen(Timestamp),
}

impl Clock {
    pub fn system() -> Self {
        Clock::System
    }

    pub fn frozen(at: Timestamp) -> Self {
        Clock::Frozen(at)
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Frozen(t) => *t,
        }
    }

    /// Whole seconds from `t` to now (negative when `t` is in the future).
    pub fn seconds_since(&self, t: Timestamp) -> i64 {
        self.now().duration_since(t).as_secs()
    }

    /// A compact age like kubectl prints it (`5m`, `3h1m`, `2d`).
    pub fn age(&self, t: Timestamp) -> String {
        crate::replay::table::human_duration(self.seconds_since(t))
    }
}
