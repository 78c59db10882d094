//! WHAT is computed: backend-independent kernels and their data types.
//! Nothing here knows about backends, clocks, devices or reports: each
//! kernel says what it needs run (a capability trait of its module), how a
//! worker's share is fed (its timed input) and how an answer is checked on
//! real data, and backends lend the capability through [`Compute`].

pub mod chain;
pub mod compute;
pub mod duco;
pub mod fixtures;
pub mod header;
pub mod merkle;
pub mod scrypt;
pub mod search;
pub mod sha1;
pub mod sha256;
pub mod sigverify;

use serde::{Deserialize, Serialize};

pub use compute::{CheckError, ComputeError, Slice, Spec, Worker};

/// Batches of sha256d, as the chain walk and the Merkle levels need them,
/// from wherever they run: `backend` implements this (threads, SIMD
/// levels, the GPU), so nothing in `kernel/` knows about any of them.
pub trait BatchHash {
    type Error;
    /// sha256d of each 80-byte header into `out` (same length), on up to
    /// `threads` workers.
    fn sha256d_headers(
        &self,
        headers: &[[u8; header::HEADER_LEN]],
        out: &mut [[u8; 32]],
        threads: usize,
    ) -> Result<(), Self::Error>;
    /// sha256d(level[2i] || level[2i+1]) into out[i], on up to `threads` workers.
    fn sha256d_pairs(
        &self,
        level: &[[u8; 32]],
        out: &mut [[u8; 32]],
        threads: usize,
    ) -> Result<(), Self::Error>;
}

/// The portable reference as a [`BatchHash`]: one thread, no failure.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reference;

impl BatchHash for Reference {
    type Error = std::convert::Infallible;
    fn sha256d_headers(
        &self,
        headers: &[[u8; header::HEADER_LEN]],
        out: &mut [[u8; 32]],
        _threads: usize,
    ) -> Result<(), Self::Error> {
        for (h, o) in headers.iter().zip(out) {
            *o = sha256::sha256d(h);
        }
        Ok(())
    }
    fn sha256d_pairs(
        &self,
        level: &[[u8; 32]],
        out: &mut [[u8; 32]],
        _threads: usize,
    ) -> Result<(), Self::Error> {
        for (pair, o) in level.chunks_exact(2).zip(out) {
            let mut cat = [0u8; 64];
            cat[..32].copy_from_slice(&pair[0]);
            cat[32..].copy_from_slice(&pair[1]);
            *o = sha256::sha256d(&cat);
        }
        Ok(())
    }
}

/// Registers the kernels: one entry each, `Variant => module::Spec`, with
/// the variant's CLI/serde attributes and doc (its `--kernel` help). From
/// these it makes [`Kernel`], `Kernel::ALL`, `Kernel::descriptor` and
/// [`Compute`], whose dispatch is the only place that names every kernel.
macro_rules! kernels {
    ($( $(#[$attr:meta])* $name:ident => $spec:ty, )*) => {
        /// A kernel the harness can time: the one list every command,
        /// backend and report names kernels from.
        #[derive(
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            Serialize,
            Deserialize,
            clap::ValueEnum,
        )]
        #[serde(rename_all = "kebab-case")]
        pub enum Kernel {
            $( $(#[$attr])* $name, )*
        }

        impl Kernel {
            /// Every kernel, in the order `run --kernel all` times them.
            pub const ALL: [Kernel; [$(Kernel::$name),*].len()] = [$(Kernel::$name),*];

            pub const fn descriptor(self) -> &'static Descriptor {
                match self {
                    $( Kernel::$name => &<$spec as Spec>::DESCRIPTOR, )*
                }
            }
        }

        /// A backend's capability for one kernel, borrowed from the
        /// backend: what `Backend::compute` lends. The harness times and
        /// checks any kernel through it without knowing which it is.
        #[derive(Clone, Copy)]
        pub enum Compute<'a> {
            $( $name(&'a <$spec as Spec>::Compute), )*
        }

        impl<'a> Compute<'a> {
            /// The kernel this capability runs.
            pub fn kernel(self) -> Kernel {
                match self {
                    $( Compute::$name(_) => Kernel::$name, )*
                }
            }

            /// Worker `index` of `of` for a timed run, at most `batch`
            /// units a call (see [`Spec::timed`]).
            pub fn timed(self, index: usize, of: usize, batch: u64) -> Box<dyn Worker + 'a> {
                match self {
                    $( Compute::$name(c) => <$spec as Spec>::timed(c, index, of, batch), )*
                }
            }

            /// The kernel's check on real data (see [`Spec::check`]).
            pub fn check(self, level: &str) -> Result<String, CheckError> {
                match self {
                    $( Compute::$name(c) => <$spec as Spec>::check(c, level), )*
                }
            }
        }
    };
}

kernels! {
    /// sha256d nonce search over an 80-byte header.
    Sha256d => search::Sha256d,
    /// Header-chain validation (hashing, PoW, links).
    Headers => header::Headers,
    /// Merkle root computation.
    Merkle => merkle::Merkle,
    /// Duino-Coin DUCO-S1: SHA-1 over the previous hash and a decimal nonce.
    #[value(name = "duco-s1")]
    DucoS1 => duco::DucoS1,
    /// Litecoin/Dogecoin scrypt (N=1024, r=1, p=1; 128 KiB per lane).
    Scrypt => scrypt::Scrypt,
    /// secp256k1 signature verification (ECDSA under Bitcoin's rules and
    /// BIP340 Schnorr): the compute core of transaction validation.
    #[value(name = "sigverify")]
    #[serde(rename = "sigverify")]
    SigVerify => sigverify::SigVerify,
}

/// What the harness needs to know about a kernel, in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Descriptor {
    /// The name on the command line and in reports.
    pub name: &'static str,
    /// The unit of work, plural: what a rate counts.
    pub work: &'static str,
    /// The rate's unit in reports.
    pub unit: &'static str,
    /// Most units one CPU worker's timed call does: a few milliseconds of
    /// host work, so a stop or a throttle acts promptly.
    pub max_chunk: u64,
    /// Working memory one lane needs beyond its stack, in bytes.
    pub lane_bytes: u64,
    /// The real data a backend must reproduce before its timing counts.
    pub verified_by: &'static str,
}

impl Kernel {
    pub fn name(self) -> &'static str {
        self.descriptor().name
    }

    pub fn unit(self) -> &'static str {
        self.descriptor().unit
    }

    /// See [`Descriptor::max_chunk`]. The criterion benches time the same
    /// batch that `run` times.
    pub fn max_chunk(self) -> u64 {
        self.descriptor().max_chunk
    }

    pub fn lane_bytes(self) -> u64 {
        self.descriptor().lane_bytes
    }

    /// Looks a kernel up by its report name.
    pub fn from_name(name: &str) -> Option<Kernel> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The coin kernels, whose CPU code exists at fewer levels than SHA-256's.
    pub fn is_coin(self) -> bool {
        matches!(self, Kernel::DucoS1 | Kernel::Scrypt)
    }
}

impl std::fmt::Display for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn cli_report_and_serde_names_agree() {
        for k in Kernel::ALL {
            let cli = k.to_possible_value().unwrap();
            assert_eq!(cli.get_name(), k.name());
            assert_eq!(serde_json::to_value(k).unwrap(), k.name());
            assert_eq!(Kernel::from_name(k.name()), Some(k));
        }
        assert_eq!(Kernel::value_variants().len(), Kernel::ALL.len());
    }
}
