//! Probes of the secp256k1 shader's building blocks, one operation per
//! invocation, against k256 on the host: field products, the complete
//! addition (distinct points, doubling, opposites, infinity) and the whole
//! double-scalar ladder. A wrong verdict from `verify_sigs` is then traced
//! to the first layer that disagrees.
//!
//! Finding (lavapipe, Mesa's software Vulkan): field ops and a single
//! `pt_add` of any inputs agree with k256, and so does the one-invocation
//! ladder for its first ~140 additions (loop form of `pt_add`; ~400 for the
//! straight-line form); then one addition goes wrong although the same
//! inputs through the same function alone give the right point. The
//! failing step depends on how much per-call state the addition keeps, not
//! on the data (1*G fails too). The verifier therefore runs the ladder in
//! short dispatches (`ladder` entry); the one-invocation `double_mul` these
//! probes use still shows the fault, so they are ignored diagnostics:
//! `cargo test --lib sigverify_probe -- --ignored`.
//! `MICROMINE_PROBE_WGSL=path` probes a shader under work without a rebuild,
//! and a copy whose `double_mul` runs `probe_stop + 1u` steps lets the prefix tests
//! stop it early.

use k256::elliptic_curve::PrimeField;
use k256::elliptic_curve::sec1::ToEncodedPoint;
use k256::{FieldBytes, FieldElement, ProjectivePoint, Scalar};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::sigverify::SECP256K1_WGSL;

/// Words per probe: op, P (x, y, z), Q (x, y, z), scalars a and b.
const IN_WORDS: usize = 1 + 24 + 24 + 16;
const OUT_WORDS: usize = 24;

const PROBE_ENTRY: &str = r#"
@group(0) @binding(3) var<storage, read> probe_in: array<u32>;
@group(0) @binding(4) var<storage, read_write> probe_out: array<u32>;

fn probe_fe(base: u32) -> Fe {
    var r: Fe;
    for (var i = 0u; i < 8u; i++) {
        r[i] = probe_in[base + i];
    }
    return r;
}

fn probe_store(base: u32, a: Fe) {
    for (var i = 0u; i < 8u; i++) {
        probe_out[base + i] = a[i];
    }
}

// Steps of the ladder to run (a probe copy of the shader may read it).
var<private> probe_stop: u32 = 512u;

@compute @workgroup_size(1)
fn probe(@builtin(global_invocation_id) gid: vec3<u32>) {
    let b = gid.x * 65u;
    probe_stop = select(512u, probe_in[b] >> 8u, (probe_in[b] >> 8u) != 0u);
    let o = gid.x * 24u;
    let p = Point(probe_fe(b + 1u), probe_fe(b + 9u), probe_fe(b + 17u));
    let q = Point(probe_fe(b + 25u), probe_fe(b + 33u), probe_fe(b + 41u));
    var r = Point(ZERO, ZERO, ZERO);
    switch probe_in[b] & 0xffu {
        case 0u: {
            r = Point(fe_mul(p.x, q.x), fe_add(p.x, q.x), fe_sub(p.x, q.x));
        }
        case 1u: {
            r = pt_add(p, q);
        }
        case 2u: {
            r = double_mul(probe_fe(b + 49u), probe_fe(b + 57u), q);
        }
        case 3u: {
            r = Point(fe_inv(p.x), times21(p.x), times3(p.x));
        }
        default: {}
    }
    probe_store(o, r.x);
    probe_store(o + 8u, r.y);
    probe_store(o + 16u, r.z);
}
"#;

/// One probe: the op and its operands, as the shader reads them.
#[derive(Clone, Copy)]
struct Probe {
    op: u32,
    p: [FieldElement; 3],
    q: [FieldElement; 3],
    a: Scalar,
    b: Scalar,
}

fn fe_limbs(f: &FieldElement) -> [u32; 8] {
    let be: [u8; 32] = f.to_bytes().into();
    std::array::from_fn(|i| u32::from_be_bytes(be[28 - 4 * i..32 - 4 * i].try_into().unwrap()))
}

fn scalar_limbs(s: &Scalar) -> [u32; 8] {
    let be: [u8; 32] = s.to_bytes().into();
    std::array::from_fn(|i| u32::from_be_bytes(be[28 - 4 * i..32 - 4 * i].try_into().unwrap()))
}

fn fe_from_limbs(l: &[u32]) -> Option<FieldElement> {
    let mut be = [0u8; 32];
    for (i, w) in l.iter().enumerate() {
        be[28 - 4 * i..32 - 4 * i].copy_from_slice(&w.to_be_bytes());
    }
    Option::from(FieldElement::from_bytes(&FieldBytes::from(be)))
}

fn projective(p: &ProjectivePoint) -> [FieldElement; 3] {
    let enc = p.to_affine().to_encoded_point(false);
    match (enc.x(), enc.y()) {
        (Some(x), Some(y)) => [
            FieldElement::from_bytes(x).unwrap(),
            FieldElement::from_bytes(y).unwrap(),
            FieldElement::ONE,
        ],
        _ => [FieldElement::ZERO, FieldElement::ONE, FieldElement::ZERO],
    }
}

/// The same point with its coordinates scaled by a random nonzero z.
fn rescaled(p: [FieldElement; 3], rng: &mut ChaCha8Rng) -> [FieldElement; 3] {
    let z = FieldElement::from_bytes(&FieldBytes::from(rng.random::<[u8; 32]>()))
        .unwrap_or(FieldElement::ONE);
    [p[0] * z, p[1] * z, p[2] * z].map(|f| f.normalize())
}

/// Projective (X, Y, Z) from the device as affine (x, y), None for infinity.
fn affine(out: &[FieldElement; 3]) -> Option<(FieldElement, FieldElement)> {
    if bool::from(out[2].normalize().is_zero()) {
        return None;
    }
    let zi = out[2].invert().unwrap();
    Some(((out[0] * zi).normalize(), (out[1] * zi).normalize()))
}

fn as_affine(p: &ProjectivePoint) -> Option<(FieldElement, FieldElement)> {
    affine(&projective(p))
}

type Prober = (wgpu::Device, wgpu::Queue, wgpu::ComputePipeline);

/// One device and probe pipeline for every probe test (compiling it is slow).
fn prober() -> Option<&'static Prober> {
    static PROBER: std::sync::OnceLock<Option<Prober>> = std::sync::OnceLock::new();
    PROBER.get_or_init(open_prober).as_ref()
}

fn open_prober() -> Option<Prober> {
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = match pollster::block_on(instance.request_adapter(&Default::default())) {
        Ok(a) => a,
        Err(e) if std::env::var("MICROMINE_REQUIRE_GPU").as_deref() == Ok("1") => {
            panic!("MICROMINE_REQUIRE_GPU=1 but no adapter: {e}")
        }
        Err(e) => {
            eprintln!("skipping GPU probe: {e}");
            return None;
        }
    };
    let (device, queue) =
        pollster::block_on(adapter.request_device(&Default::default())).expect("device");
    // A shader under work can be probed without rebuilding the crate.
    let base = match std::env::var("MICROMINE_PROBE_WGSL") {
        Ok(path) => std::fs::read_to_string(path).expect("read MICROMINE_PROBE_WGSL"),
        Err(_) => SECP256K1_WGSL.to_string(),
    };
    let src = format!("{base}\n{PROBE_ENTRY}");
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("secp256k1 probe"),
        source: wgpu::ShaderSource::Wgsl(src.into()),
    });
    let t0 = std::time::Instant::now();
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("probe"),
        layout: None,
        module: &module,
        entry_point: Some("probe"),
        compilation_options: Default::default(),
        cache: None,
    });
    eprintln!("probe pipeline: {:?}", t0.elapsed());
    Some((device, queue, pipeline))
}

fn run(probes: &[Probe]) -> Option<Vec<[Option<FieldElement>; 3]>> {
    let (device, queue, pipeline) = prober()?;
    let mut words = Vec::with_capacity(probes.len() * IN_WORDS);
    for p in probes {
        words.push(p.op);
        for f in p.p.iter().chain(&p.q) {
            words.extend(fe_limbs(f));
        }
        words.extend(scalar_limbs(&p.a));
        words.extend(scalar_limbs(&p.b));
    }
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let out_bytes = (probes.len() * OUT_WORDS * 4) as u64;
    use wgpu::BufferUsages as U;
    let input = device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: bytes.len() as u64,
        usage: U::STORAGE | U::COPY_DST,
        mapped_at_creation: false,
    });
    let output = device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: out_bytes,
        usage: U::STORAGE | U::COPY_SRC,
        mapped_at_creation: false,
    });
    let readback = device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: out_bytes,
        usage: U::MAP_READ | U::COPY_DST,
        mapped_at_creation: false,
    });
    queue.write_buffer(&input, 0, &bytes);
    let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: None,
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry {
                binding: 3,
                resource: input.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 4,
                resource: output.as_entire_binding(),
            },
        ],
    });
    let mut enc = device.create_command_encoder(&Default::default());
    {
        let mut pass = enc.begin_compute_pass(&Default::default());
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, &bind, &[]);
        pass.dispatch_workgroups(probes.len() as u32, 1, 1);
    }
    enc.copy_buffer_to_buffer(&output, 0, &readback, 0, out_bytes);
    queue.submit([enc.finish()]);
    readback.map_async(wgpu::MapMode::Read, .., |r| r.unwrap());
    device.poll(wgpu::PollType::wait_indefinitely()).unwrap();
    let view = readback.get_mapped_range(..).unwrap();
    let w: Vec<u32> = view
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    Some(
        w.chunks_exact(OUT_WORDS)
            .map(|o| std::array::from_fn(|k| fe_from_limbs(&o[8 * k..8 * k + 8])))
            .collect(),
    )
}

fn random_point(rng: &mut ChaCha8Rng) -> ProjectivePoint {
    let k = Scalar::from_repr(FieldBytes::from(rng.random::<[u8; 32]>())).unwrap_or(Scalar::ONE);
    ProjectivePoint::GENERATOR * k
}

fn point_probe(op: u32, p: [FieldElement; 3], q: [FieldElement; 3]) -> Probe {
    Probe {
        op,
        p,
        q,
        a: Scalar::ZERO,
        b: Scalar::ZERO,
    }
}

#[test]
#[ignore = "lavapipe: the ladder goes wrong after ~140 additions per invocation (module docs); diagnostic"]
fn shader_layers_agree_with_k256() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let g = ProjectivePoint::GENERATOR;
    let mut probes = Vec::new();
    let mut want: Vec<(String, Want)> = Vec::new();
    // Field: product, sum, difference, inverse, small multiples.
    for i in 0..8 {
        let x = projective(&random_point(&mut rng))[0];
        let y = if i == 0 {
            (-FieldElement::ONE).normalize()
        } else {
            projective(&random_point(&mut rng))[1]
        };
        let x = if i == 1 {
            (-FieldElement::ONE).normalize()
        } else {
            x
        };
        probes.push(point_probe(0, [x, x, x], [y, y, y]));
        want.push((
            format!("field {i}"),
            Want::Field([
                (x * y).normalize(),
                (x + y).normalize(),
                (x - y).normalize(),
            ]),
        ));
        probes.push(point_probe(3, [x, x, x], [y, y, y]));
        let x21 = (0..21)
            .fold(FieldElement::ZERO, |acc, _| acc + x)
            .normalize();
        want.push((
            format!("inverse {i}"),
            Want::Field([
                x.invert().unwrap().normalize(),
                x21,
                (x + x + x).normalize(),
            ]),
        ));
    }
    // Group law: distinct, equal, opposite, with infinity, rescaled inputs.
    let inf = projective(&ProjectivePoint::IDENTITY);
    for i in 0..6 {
        let p = random_point(&mut rng);
        let q = if i == 0 { g } else { random_point(&mut rng) };
        let cases = [
            (
                "add",
                p,
                q,
                rescaled(projective(&p), &mut rng),
                projective(&q),
            ),
            ("double", p, p, projective(&p), projective(&p)),
            (
                "double rescaled",
                p,
                p,
                rescaled(projective(&p), &mut rng),
                projective(&p),
            ),
            ("opposite", p, -p, projective(&p), projective(&-p)),
            (
                "inf left",
                ProjectivePoint::IDENTITY,
                q,
                inf,
                projective(&q),
            ),
            (
                "inf right",
                p,
                ProjectivePoint::IDENTITY,
                projective(&p),
                inf,
            ),
        ];
        for (name, hp, hq, dp, dq) in cases {
            probes.push(point_probe(1, dp, dq));
            want.push((format!("{name} {i}"), Want::Point(as_affine(&(hp + hq)))));
        }
    }
    // Ladder: small scalars, powers of two, random pairs.
    let small = [(1u64, 0u64), (0, 1), (2, 0), (3, 0), (1, 1), (5, 7)];
    let mut pairs: Vec<(Scalar, Scalar)> = small
        .iter()
        .map(|&(a, b)| (Scalar::from(a), Scalar::from(b)))
        .collect();
    for k in [31u32, 32, 33, 63, 64, 255] {
        let two_k = (0..k).fold(Scalar::ONE, |s, _| s + s);
        pairs.push((two_k, Scalar::ZERO));
        pairs.push((Scalar::ZERO, two_k));
    }
    for _ in 0..4 {
        let a =
            Scalar::from_repr(FieldBytes::from(rng.random::<[u8; 32]>())).unwrap_or(Scalar::ONE);
        let b =
            Scalar::from_repr(FieldBytes::from(rng.random::<[u8; 32]>())).unwrap_or(Scalar::ONE);
        pairs.push((a, b));
    }
    // Random scalars of growing length, on G alone, Q alone and both.
    for bits in [4u32, 8, 16, 32, 64, 128, 192] {
        for which in 0..3 {
            let mut r = || {
                let mut be = rng.random::<[u8; 32]>();
                let keep = bits as usize / 8;
                be[..32 - keep].fill(0);
                if bits < 8 {
                    be[31] &= 0x0f;
                }
                Scalar::from_repr(FieldBytes::from(be)).unwrap()
            };
            let (a, b) = (r(), r());
            pairs.push(match which {
                0 => (a, Scalar::ZERO),
                1 => (Scalar::ZERO, b),
                _ => (a, b),
            });
        }
    }
    // Many additions of two points that both have Z != 1.
    for i in 0..64 {
        let p = random_point(&mut rng);
        let q = random_point(&mut rng);
        probes.push(point_probe(
            1,
            rescaled(projective(&p), &mut rng),
            rescaled(projective(&q), &mut rng),
        ));
        want.push((
            format!("add both rescaled {i}"),
            Want::Point(as_affine(&(p + q))),
        ));
    }
    // Many field products of random elements.
    for i in 0..512 {
        let x = rescaled(projective(&random_point(&mut rng)), &mut rng)[0];
        let y = rescaled(projective(&random_point(&mut rng)), &mut rng)[2];
        probes.push(point_probe(0, [x, x, x], [y, y, y]));
        want.push((
            format!("field bulk {i}"),
            Want::Field([
                (x * y).normalize(),
                (x + y).normalize(),
                (x - y).normalize(),
            ]),
        ));
    }
    let q = random_point(&mut rng);
    for (i, (a, b)) in pairs.into_iter().enumerate() {
        probes.push(Probe {
            op: 2,
            p: inf,
            q: projective(&q),
            a,
            b,
        });
        want.push((
            format!("ladder {i}"),
            Want::Point(as_affine(&(g * a + q * b))),
        ));
    }
    let Some(got) = run(&probes) else { return };
    let mut bad = Vec::new();
    for ((name, w), g) in want.iter().zip(&got) {
        let ok = match w {
            Want::Field(f) => {
                (0..3).all(|k| g[k].map(|x| x.normalize().to_bytes()) == Some(f[k].to_bytes()))
            }
            Want::Point(p) => match g {
                [Some(x), Some(y), Some(z)] => {
                    affine(&[*x, *y, *z]).map(|(x, y)| (x.to_bytes(), y.to_bytes()))
                        == p.map(|(x, y)| (x.to_bytes(), y.to_bytes()))
                }
                _ => false,
            },
        };
        if !ok {
            bad.push(name.clone());
        }
    }
    assert!(bad.is_empty(), "device disagrees with k256 on: {bad:?}");
}

enum Want {
    Field([FieldElement; 3]),
    Point(Option<(FieldElement, FieldElement)>),
}

/// The point the shader's ladder holds after `stop` steps (step 0 forms
/// G + Q; odd steps double, even ones add by the next bit pair).
fn ladder_prefix(a: &Scalar, b: &Scalar, q: &ProjectivePoint, stop: u32) -> ProjectivePoint {
    let (a, b) = (scalar_limbs(a), scalar_limbs(b));
    let bit = |k: &[u32; 8], i: u32| (k[(i / 32) as usize] >> (i % 32)) & 1;
    let g = ProjectivePoint::GENERATOR;
    let mut acc = ProjectivePoint::IDENTITY;
    for step in 1..=stop {
        if step % 2 == 1 {
            acc = acc.double();
        } else {
            let i = 255 - (step / 2 - 1);
            match bit(&a, i) | (bit(&b, i) << 1) {
                1 => acc += g,
                2 => acc += q,
                3 => acc += g + q,
                _ => {}
            }
        }
    }
    acc
}

#[test]
#[ignore = "lavapipe: the ladder goes wrong after ~140 additions per invocation (module docs); diagnostic"]
fn ladder_prefixes_agree_with_k256() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let a = Scalar::from_repr(FieldBytes::from(rng.random::<[u8; 32]>())).unwrap();
    let b = Scalar::from_repr(FieldBytes::from(rng.random::<[u8; 32]>())).unwrap();
    let q = random_point(&mut rng);
    let inf = projective(&ProjectivePoint::IDENTITY);
    let stops: Vec<u32> = (1..=512).collect();
    let probes: Vec<Probe> = stops
        .iter()
        .map(|&stop| Probe {
            op: 2 | (stop << 8),
            p: inf,
            q: projective(&q),
            a,
            b,
        })
        .collect();
    let Some(got) = run(&probes) else { return };
    let mut bad = Vec::new();
    for (&stop, g) in stops.iter().zip(&got) {
        let want = as_affine(&ladder_prefix(&a, &b, &q, stop));
        let have = match g {
            [Some(x), Some(y), Some(z)] => affine(&[*x, *y, *z]),
            _ => None,
        };
        if have.map(|(x, y)| (x.to_bytes(), y.to_bytes()))
            != want.map(|(x, y)| (x.to_bytes(), y.to_bytes()))
        {
            bad.push(stop);
        }
    }
    let sa = scalar_limbs(&a);
    let sb = scalar_limbs(&b);
    let sel: Vec<u32> = (0..256u32)
        .rev()
        .map(|i| {
            ((sa[(i / 32) as usize] >> (i % 32)) & 1)
                | (((sb[(i / 32) as usize] >> (i % 32)) & 1) << 1)
        })
        .collect();
    assert!(
        bad.is_empty(),
        "first bad steps {:?}; selectors from bit 255: {sel:?}",
        &bad[..bad.len().min(40)]
    );
}

type Fe3 = [FieldElement; 3];

/// The shader's arithmetic on the host, recording every binary field op's
/// operands, so a device step that goes wrong can be split into field ops.
#[derive(Default)]
struct Tracer {
    pairs: Vec<(FieldElement, FieldElement)>,
}

impl Tracer {
    fn mul(&mut self, a: FieldElement, b: FieldElement) -> FieldElement {
        self.pairs.push((a, b));
        (a * b).normalize()
    }
    fn add(&mut self, a: FieldElement, b: FieldElement) -> FieldElement {
        self.pairs.push((a, b));
        (a + b).normalize()
    }
    fn sub(&mut self, a: FieldElement, b: FieldElement) -> FieldElement {
        self.pairs.push((a, b));
        (a - b).normalize()
    }
    fn times3(&mut self, a: FieldElement) -> FieldElement {
        let a2 = self.add(a, a);
        self.add(a2, a)
    }
    fn times21(&mut self, a: FieldElement) -> FieldElement {
        let a2 = self.add(a, a);
        let a4 = self.add(a2, a2);
        let a8 = self.add(a4, a4);
        let a16 = self.add(a8, a8);
        let s = self.add(a16, a4);
        self.add(s, a)
    }
    /// `pt_add` of the shader, op for op.
    fn pt_add(&mut self, p: Fe3, q: Fe3) -> Fe3 {
        let xx = self.mul(p[0], q[0]);
        let yy = self.mul(p[1], q[1]);
        let zz = self.mul(p[2], q[2]);
        let (s1, s2) = (self.add(p[0], p[1]), self.add(q[0], q[1]));
        let (m, t) = (self.mul(s1, s2), self.add(xx, yy));
        let xy = self.sub(m, t);
        let (s1, s2) = (self.add(p[1], p[2]), self.add(q[1], q[2]));
        let (m, t) = (self.mul(s1, s2), self.add(yy, zz));
        let yz = self.sub(m, t);
        let (s1, s2) = (self.add(p[0], p[2]), self.add(q[0], q[2]));
        let (m, t) = (self.mul(s1, s2), self.add(xx, zz));
        let xz = self.sub(m, t);
        let bzz3 = self.times21(zz);
        let yy_m = self.sub(yy, bzz3);
        let yy_p = self.add(yy, bzz3);
        let byz3 = self.times21(yz);
        let xx3 = self.times3(xx);
        let bxx9 = self.times21(xx3);
        let (m1, m2) = (self.mul(xy, yy_m), self.mul(byz3, xz));
        let x3 = self.sub(m1, m2);
        let (m1, m2) = (self.mul(yy_p, yy_m), self.mul(bxx9, xz));
        let y3 = self.add(m1, m2);
        let (m1, m2) = (self.mul(yz, yy_p), self.mul(xx3, xy));
        let z3 = self.add(m1, m2);
        [x3, y3, z3]
    }
}

/// The shader's ladder state after `stop` steps, exact coordinates.
fn ladder_exact(a: &Scalar, b: &Scalar, q: &ProjectivePoint, stop: u32) -> (Fe3, Fe3, Fe3) {
    let (a, b) = (scalar_limbs(a), scalar_limbs(b));
    let bit = |k: &[u32; 8], i: u32| (k[(i / 32) as usize] >> (i % 32)) & 1;
    let g = projective(&ProjectivePoint::GENERATOR);
    let q = projective(q);
    let mut t = Tracer::default();
    let gq = t.pt_add(g, q);
    let mut acc = projective(&ProjectivePoint::IDENTITY);
    let mut rhs = acc;
    let mut before = acc;
    for step in 1..=stop {
        before = acc;
        rhs = acc;
        if step % 2 == 0 {
            let i = 255 - (step / 2 - 1);
            rhs = match bit(&a, i) | (bit(&b, i) << 1) {
                1 => g,
                2 => q,
                3 => gq,
                _ => continue,
            };
        }
        acc = t.pt_add(acc, rhs);
    }
    (before, rhs, acc)
}

fn exact(g: &[Option<FieldElement>; 3]) -> Option<[[u8; 32]; 3]> {
    match g {
        [Some(x), Some(y), Some(z)] => Some([
            x.to_bytes().into(),
            y.to_bytes().into(),
            z.to_bytes().into(),
        ]),
        _ => None,
    }
}

fn bytes3(f: &Fe3) -> [[u8; 32]; 3] {
    f.map(|x| x.to_bytes().into())
}

#[test]
#[ignore = "lavapipe: the ladder goes wrong after ~140 additions per invocation (module docs); diagnostic"]
fn first_wrong_step_traced_to_a_field_op() {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let a = Scalar::from_repr(FieldBytes::from(rng.random::<[u8; 32]>())).unwrap();
    let b = Scalar::from_repr(FieldBytes::from(rng.random::<[u8; 32]>())).unwrap();
    let q = random_point(&mut rng);
    let inf = projective(&ProjectivePoint::IDENTITY);
    let stops: Vec<u32> = (1..=512).collect();
    let probes: Vec<Probe> = stops
        .iter()
        .map(|&stop| Probe {
            op: 2 | (stop << 8),
            p: inf,
            q: projective(&q),
            a,
            b,
        })
        .collect();
    let Some(got) = run(&probes) else { return };
    let Some(bad) = stops
        .iter()
        .zip(&got)
        .find(|(stop, g)| exact(g) != Some(bytes3(&ladder_exact(&a, &b, &q, **stop).2)))
        .map(|(s, _)| *s)
    else {
        return;
    };
    let (before, rhs, after) = ladder_exact(&a, &b, &q, bad);
    let mut t = Tracer::default();
    assert_eq!(bytes3(&t.pt_add(before, rhs)), bytes3(&after));
    let mut probes = vec![point_probe(1, before, rhs)];
    for &(x, y) in &t.pairs {
        probes.push(point_probe(0, [x, x, x], [y, y, y]));
    }
    let got = run(&probes).unwrap();
    let hex = |f: &FieldElement| hex::encode(f.to_bytes());
    eprintln!(
        "first wrong step {bad}: before {:?} rhs {:?}",
        before.map(|f| hex(&f)),
        rhs.map(|f| hex(&f))
    );
    eprintln!(
        "pt_add alone right: {}",
        exact(&got[0]) == Some(bytes3(&after))
    );
    for (k, (&(x, y), g)) in t.pairs.iter().zip(&got[1..]).enumerate() {
        let want = [
            (x * y).normalize(),
            (x + y).normalize(),
            (x - y).normalize(),
        ];
        for (n, name) in ["mul", "add", "sub"].iter().enumerate() {
            if g[n].map(|v| v.normalize().to_bytes()) != Some(want[n].to_bytes()) {
                eprintln!(
                    "op {k} {name}: a {} b {} want {} got {:?}",
                    hex(&x),
                    hex(&y),
                    hex(&want[n]),
                    g[n].map(|v| hex(&v))
                );
            }
        }
    }
    panic!("step {bad} is wrong on the device");
}
