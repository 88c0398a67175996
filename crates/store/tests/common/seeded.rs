//! A seeded random source for the randomised trials (crash, tamper): the seed is printed so a failing
//! run can be replayed exactly with the environment variable named.

use rand::{RngExt, SeedableRng};
use rand_xorshift::XorShiftRng;

pub struct Rng(XorShiftRng);

impl Rng {
    /// Seed from `var` if set, else from the clock; print it under `label`.
    pub fn from_env(var: &str, label: &str) -> Rng {
        let seed = std::env::var(var)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        eprintln!("{label} seed {seed} (replay with {var}={seed})");
        Rng(XorShiftRng::seed_from_u64(seed))
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below<T: TryFrom<u64> + TryInto<u64> + Copy>(&mut self, n: T) -> T
    where
        <T as TryFrom<u64>>::Error: std::fmt::Debug,
        <T as TryInto<u64>>::Error: std::fmt::Debug,
    {
        let n: u64 = n.try_into().unwrap();
        T::try_from(self.0.random_range(0..n.max(1))).unwrap()
    }
}
