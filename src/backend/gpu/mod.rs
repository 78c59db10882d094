//! The wgpu compute backend: sha256d nonce search, header hashing and Merkle
//! levels on any adapter wgpu can open (Vulkan, Metal, DX12, GL), including
//! software ones such as Mesa's lavapipe.
//!
//! Adapter choice follows wgpu's conventions: `WGPU_BACKEND` limits the
//! APIs tried, `WGPU_ADAPTER_NAME` picks an adapter by name substring and
//! `WGPU_POWER_PREF` (`low`/`high`) steers the default choice.

mod context;
mod dispatch;
mod duco;
mod hits;
mod scrypt;
mod sigverify;
#[cfg(test)]
mod sigverify_probe;

use std::ops::Range;
use std::sync::{Mutex, OnceLock};

pub use context::{HIT_CAPACITY, Tuning};
pub use hits::TARGET_SUBMISSION;
pub use scrypt::{MAX_SCRYPT_LANES, SCRYPT_HIT_CAPACITY, ScryptGpuPlan};
pub use sigverify::{MAX_SIG_BATCH, VALID_SAMPLE_STRIDE};
/// The wgpu this backend is built on, for callers that pick an adapter themselves.
pub use wgpu;

use crate::backend::{Backend, BackendError};
use crate::kernel::header::{HEADER_LEN, HashHeaders};
use crate::kernel::merkle::MerklePairs;
use crate::kernel::search::{Prepared, Search, SearchOutcome};
use crate::kernel::{Compute, Kernel};

/// Why no GPU backend could be opened.
#[derive(Debug, thiserror::Error)]
pub enum GpuUnavailable {
    #[error("no GPU adapter: {0}")]
    NoAdapter(String),
    #[error("no adapter name contains WGPU_ADAPTER_NAME={wanted:?} (found: {found})")]
    NoMatchingAdapter { wanted: String, found: String },
    #[error("adapter {0} cannot run compute shaders")]
    NoComputeShaders(String),
    #[error("device request failed on {adapter}: {reason}")]
    DeviceRequest { adapter: String, reason: String },
    #[error("shader or pipeline creation failed on {adapter}: {reason}")]
    Pipeline { adapter: String, reason: String },
}

/// What `micromine backends` and reports say about the adapter.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AdapterSummary {
    /// Adapter name as the driver reports it.
    pub name: String,
    /// Graphics API wgpu drives it through (vulkan, metal, dx12, gl).
    pub backend_api: String,
    /// discrete_gpu, integrated_gpu, virtual_gpu, cpu (a software rasteriser) or other.
    pub device_type: String,
    /// Driver name.
    pub driver: String,
    /// Driver version details.
    pub driver_info: String,
}

/// How search submissions are timed for adaptive sizing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimingSource {
    /// Device timestamps written at the start and end of each compute pass.
    TimestampQuery,
    /// Host wall time from when a submission could start to its completion.
    WallClock,
}

/// The state of adaptive dispatch after the latest search.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct DispatchStats {
    /// How submissions were timed.
    pub timing: TimingSource,
    /// Nonces in the latest submission.
    pub submission_nonces: u64,
    /// Device time of the latest submission, seconds.
    pub last_submission_secs: f64,
    /// Search submissions since the backend was opened.
    pub submissions: u64,
    /// Submissions whose candidates overflowed the hit buffer and were redone in pieces.
    pub overflows: u64,
}

/// The GPU as a [`Backend`]. One device, used by one call at a time.
pub struct GpuBackend {
    summary: AdapterSummary,
    engine: Mutex<dispatch::Engine>,
    /// Locked after `engine`, whose context it runs on.
    duco: Mutex<duco::DucoContext>,
    /// Locked after `engine`, whose device it runs on; never with `duco`.
    scrypt: Mutex<scrypt::ScryptGpu>,
    /// Built on first use, so other kernels never compile it; locked after
    /// `engine`, whose device it runs on.
    sigverify: OnceLock<Result<Mutex<sigverify::SigGpu>, String>>,
}

/// Opens the adapter wgpu's environment conventions select.
pub fn open() -> Result<GpuBackend, GpuUnavailable> {
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = pollster::block_on(select_adapter(&instance))?;
    GpuBackend::from_adapter(adapter)
}

async fn select_adapter(instance: &wgpu::Instance) -> Result<wgpu::Adapter, GpuUnavailable> {
    // wgpu's own helper panics when the name matches nothing; a missing
    // adapter must be a reason, not a crash.
    if let Ok(wanted) = std::env::var("WGPU_ADAPTER_NAME") {
        let adapters = instance
            .enumerate_adapters(wgpu::Backends::from_env().unwrap_or_default())
            .await;
        let needle = wanted.to_lowercase();
        let names: Vec<String> = adapters.iter().map(|a| a.get_info().name).collect();
        return adapters
            .into_iter()
            .find(|a| a.get_info().name.to_lowercase().contains(&needle))
            .ok_or(GpuUnavailable::NoMatchingAdapter {
                wanted,
                found: if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                },
            });
    }
    instance
        .request_adapter(&wgpu::RequestAdapterOptions {
            power_preference: wgpu::PowerPreference::from_env().unwrap_or_default(),
            ..Default::default()
        })
        .await
        .map_err(|e| GpuUnavailable::NoAdapter(e.to_string()))
}

impl GpuBackend {
    /// Builds the backend on a given adapter with launch geometry suited to its type.
    pub fn from_adapter(adapter: wgpu::Adapter) -> Result<GpuBackend, GpuUnavailable> {
        let tuning = Tuning::for_device(adapter.get_info().device_type);
        Self::with_tuning(adapter, tuning)
    }

    /// Builds the backend with explicit launch geometry.
    pub fn with_tuning(
        adapter: wgpu::Adapter,
        tuning: Tuning,
    ) -> Result<GpuBackend, GpuUnavailable> {
        let info = adapter.get_info();
        let ctx = context::Context::new(&adapter, tuning)?;
        let duco = duco::DucoContext::new(&ctx, &info.name)?;
        let scrypt = scrypt::ScryptGpu::new(&ctx, &info.name)?;
        let summary = AdapterSummary {
            name: info.name,
            backend_api: info.backend.to_string(),
            device_type: device_type_name(info.device_type).to_string(),
            driver: info.driver,
            driver_info: info.driver_info,
        };
        Ok(GpuBackend {
            summary,
            engine: Mutex::new(dispatch::Engine::new(ctx)),
            duco: Mutex::new(duco),
            scrypt: Mutex::new(scrypt),
            sigverify: OnceLock::new(),
        })
    }

    /// Every n in `range` solving the DUCO-S1 job, as `duco::search_scalar`
    /// finds them; each is re-checked on the CPU.
    pub fn duco_search(
        &self,
        p: &crate::kernel::duco::Prepared,
        range: Range<u64>,
    ) -> Result<crate::kernel::duco::DucoOutcome, BackendError> {
        let engine = self.lock();
        let mut duco = self.duco.lock().unwrap_or_else(|e| e.into_inner());
        duco.search(&engine.ctx, p, range)
    }

    /// One verdict per signature into `out` (same length): the host decides
    /// what it can, the device runs the curve arithmetic, and every device
    /// rejection plus a sample of acceptances is re-verified on the CPU.
    pub fn verify_sigs(
        &self,
        items: &[crate::kernel::sigverify::SigItem],
        out: &mut [crate::kernel::sigverify::Verdict],
    ) -> Result<(), BackendError> {
        let engine = self.lock();
        let built = self.sigverify.get_or_init(|| {
            sigverify::SigGpu::new(&engine.ctx, &self.summary.name)
                .map(Mutex::new)
                .map_err(|e| e.to_string())
        });
        let sig = built.as_ref().map_err(|e| BackendError::Gpu(e.clone()))?;
        let mut sig = sig.lock().unwrap_or_else(|e| e.into_inner());
        sig.verify(&engine.ctx, items, out)
    }

    /// The adapter this backend runs on.
    pub fn describe(&self) -> AdapterSummary {
        self.summary.clone()
    }

    /// Launch geometry in use.
    pub fn tuning(&self) -> Tuning {
        self.lock().ctx.tuning
    }

    /// Adaptive dispatch state after the latest search.
    pub fn dispatch_stats(&self) -> DispatchStats {
        self.lock().stats()
    }

    /// How search submissions are timed on this adapter.
    pub fn timing(&self) -> TimingSource {
        self.lock().stats().timing
    }

    /// Every nonce in `range` whose Litecoin scrypt hash meets `job`'s
    /// target, each re-checked on the CPU; the same answer as
    /// [`crate::kernel::scrypt::search`].
    pub fn scrypt_search(
        &self,
        job: &crate::kernel::scrypt::ScryptJob,
        range: Range<u64>,
    ) -> Result<SearchOutcome, BackendError> {
        let engine = self.lock();
        let mut scrypt = self.scrypt.lock().unwrap_or_else(|e| e.into_inner());
        scrypt.search(&engine.ctx, job, range)
    }

    /// How the scrypt scratchpad was sized on this device.
    pub fn scrypt_plan(&self) -> ScryptGpuPlan {
        self.scrypt.lock().unwrap_or_else(|e| e.into_inner()).plan()
    }

    /// scrypt submissions whose hits overflowed the list and were redone.
    pub fn scrypt_overflows(&self) -> u64 {
        self.scrypt
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .overflows()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, dispatch::Engine> {
        // Every call rewrites the buffers it reads, so a panic mid-call can at
        // worst leave a readback mapped: later calls then fail, never lie.
        self.engine.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Stable lower-case names for reports (wgpu's Debug names may change).
fn device_type_name(t: wgpu::DeviceType) -> &'static str {
    match t {
        wgpu::DeviceType::DiscreteGpu => "discrete_gpu",
        wgpu::DeviceType::IntegratedGpu => "integrated_gpu",
        wgpu::DeviceType::VirtualGpu => "virtual_gpu",
        wgpu::DeviceType::Cpu => "cpu",
        wgpu::DeviceType::Other => "other",
    }
}

impl Backend for GpuBackend {
    fn name(&self) -> String {
        "gpu".to_string()
    }

    fn compute(&self, kernel: Kernel) -> Option<Compute<'_>> {
        Some(match kernel {
            Kernel::Sha256d => Compute::Sha256d(self),
            Kernel::Headers => Compute::Headers(self),
            Kernel::Merkle => Compute::Merkle(self),
            Kernel::DucoS1 => Compute::DucoS1(self),
            Kernel::Scrypt => Compute::Scrypt(self),
            Kernel::SigVerify => Compute::SigVerify(self),
        })
    }

    /// Far bigger batches than a CPU worker's amortise a submission and its
    /// readback; a scrypt call must also fill every lane the device holds;
    /// a signature call is at most one device piece (17 ladder submissions).
    fn batch(&self, kernel: Kernel) -> u64 {
        let batch = kernel.max_chunk() * 256;
        match kernel {
            Kernel::Scrypt => batch.max(2 * self.scrypt_plan().lanes as u64),
            // A software adapter verifies ~100 a second: a full piece
            // would be one 40 s call.
            Kernel::SigVerify if self.summary.device_type == "cpu" => 256,
            Kernel::SigVerify => MAX_SIG_BATCH as u64,
            _ => batch,
        }
    }

    /// The device parallelises internally; host threads would only queue up.
    fn wants_threads(&self) -> bool {
        false
    }
}

impl Search for GpuBackend {
    fn search(&self, p: &Prepared, range: Range<u64>) -> Result<SearchOutcome, BackendError> {
        self.lock().search(p, range)
    }
}

impl HashHeaders for GpuBackend {
    fn hash_headers(
        &self,
        headers: &[[u8; HEADER_LEN]],
        out: &mut [[u8; 32]],
    ) -> Result<(), BackendError> {
        self.lock().hash_headers(headers, out)
    }
}

impl MerklePairs for GpuBackend {
    fn merkle_pairs(&self, level: &[[u8; 32]], out: &mut [[u8; 32]]) -> Result<(), BackendError> {
        self.lock().merkle_pairs(level, out)
    }
}
