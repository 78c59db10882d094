//! A backend that fails while being timed (a lost GPU, say) must leave a
//! failed row in the report and let the run go on, not abort the process.

use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use micromine::backend::cpu::{CpuBackend, Platform};
use micromine::backend::{Backend, BackendError};
use micromine::bench::Engine;
use micromine::kernel::search::{Prepared, Search, SearchOutcome};
use micromine::kernel::{Compute, Kernel};
use micromine::profile::builtin;
use micromine::profile::emulate::{self, EmulateOptions};

/// The scalar level for its first `ok_calls` searches, then a device error.
struct FailsLater {
    inner: CpuBackend,
    calls: AtomicU64,
    ok_calls: u64,
}

impl Backend for FailsLater {
    fn name(&self) -> String {
        "fails-later".into()
    }

    fn compute(&self, kernel: Kernel) -> Option<Compute<'_>> {
        match kernel {
            Kernel::Sha256d => Some(Compute::Sha256d(self)),
            other => self.inner.compute(other),
        }
    }
}

impl Search for FailsLater {
    fn search(&self, p: &Prepared, range: Range<u64>) -> Result<SearchOutcome, BackendError> {
        if self.calls.fetch_add(1, Ordering::Relaxed) >= self.ok_calls {
            return Err(BackendError::Gpu("device lost".into()));
        }
        self.inner.search(p, range)
    }
}

#[test]
fn a_backend_failing_while_timed_leaves_a_failed_row() {
    let host = builtin::by_name("host").unwrap().expect("host profile");
    let failing = Engine(Arc::new(FailsLater {
        inner: CpuBackend {
            platform: Platform::Portable,
        },
        calls: AtomicU64::new(0),
        // Verification makes two search calls; the warm-up's first fails.
        ok_calls: 2,
    }));
    let opts = EmulateOptions {
        kernels: vec![Kernel::Sha256d, Kernel::Headers],
        threads: Some(1),
        duration: Duration::from_millis(300),
        runs: None,
        warmup: emulate::DEFAULT_WARMUP,
        power_cap_w: None,
        duty: None,
        host_engines: vec![failing],
    };
    let mut lines = Vec::new();
    let run = emulate::run_profile(&host, &opts, Some(3e9), |l| lines.push(l.to_string())).unwrap();
    assert!(!run.interrupted);
    let sha = &run.results[0];
    assert_eq!(sha.kernel, "sha256d");
    assert!(!sha.verified);
    assert!(
        sha.verification
            .starts_with("FAILED while timing: fails-later: GPU error: device lost"),
        "{}",
        sha.verification
    );
    assert_eq!(sha.work, 0);
    assert!(
        lines.iter().any(|l| l.contains("failed while timing")),
        "{lines:?}"
    );
    // The next kernel still ran, verified and timed.
    let headers = &run.results[1];
    assert_eq!(headers.kernel, "headers");
    assert!(headers.verified, "{}", headers.verification);
    assert!(headers.rate.median > 0.0);
}
