//! Expands the `// @generate NAME` lines of the WGSL templates in `shaders/`
//! into fully unrolled SHA-256 rounds (run by `build.rs`).
//!
//! Why generated: WGSL has no unroll directive, and on a software adapter a
//! round loop indexing a constant K array runs about twenty times slower than
//! straight-line code with the constants written in. The generator also folds
//! every word it knows at build time (padding, lengths, the initial hash
//! value), so the shader only carries the work that really depends on its input.

use std::fmt::Write as _;
use std::path::Path;

// The same K and H0 the Rust kernels use.
include!("../src/kernel/sha256_consts.rs");

/// A 32-bit value in the generated code: known at build time, or a WGSL expression.
#[derive(Clone, Debug)]
enum V {
    C(u32),
    E(String),
}

impl V {
    fn wgsl(&self) -> String {
        match self {
            V::C(c) => format!("{c:#010x}u"),
            V::E(e) => e.clone(),
        }
    }
    fn var(name: &str) -> V {
        V::E(name.to_string())
    }
}

fn bsig0(x: u32) -> u32 {
    x.rotate_right(2) ^ x.rotate_right(13) ^ x.rotate_right(22)
}
fn bsig1(x: u32) -> u32 {
    x.rotate_right(6) ^ x.rotate_right(11) ^ x.rotate_right(25)
}
fn ssig0(x: u32) -> u32 {
    x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3)
}
fn ssig1(x: u32) -> u32 {
    x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10)
}
fn ch(e: u32, f: u32, g: u32) -> u32 {
    (e & f) ^ (!e & g)
}
fn maj(a: u32, b: u32, c: u32) -> u32 {
    (a & b) ^ (a & c) ^ (b & c)
}

/// Straight-line code being written, with `let` names under one prefix.
struct Gen {
    out: String,
    indent: &'static str,
    prefix: String,
}

impl Gen {
    fn new(prefix: &str, indent: &'static str) -> Gen {
        Gen {
            out: String::new(),
            indent,
            prefix: prefix.to_string(),
        }
    }

    /// Names a non-trivial expression so later uses do not repeat it.
    fn bind(&mut self, name: &str, v: V) -> V {
        match v {
            V::E(e) if !is_identifier(&e) => {
                let name = format!("{}{name}", self.prefix);
                writeln!(self.out, "{}let {name} = {e};", self.indent).expect("write to String");
                V::E(name)
            }
            other => other,
        }
    }

    fn call1(&self, name: &str, f: fn(u32) -> u32, x: &V) -> V {
        match x {
            V::C(c) => V::C(f(*c)),
            V::E(e) => V::E(format!("{name}({e})")),
        }
    }

    fn call3(&self, name: &str, f: fn(u32, u32, u32) -> u32, x: &V, y: &V, z: &V) -> V {
        match (x, y, z) {
            (V::C(a), V::C(b), V::C(c)) => V::C(f(*a, *b, *c)),
            _ => V::E(format!("{name}({}, {}, {})", x.wgsl(), y.wgsl(), z.wgsl())),
        }
    }

    /// Wrapping sum; constants are added here, zero terms vanish.
    fn add(&self, terms: &[V]) -> V {
        let mut c = 0u32;
        let mut parts = Vec::new();
        for t in terms {
            match t {
                V::C(x) => c = c.wrapping_add(*x),
                V::E(e) => parts.push(e.clone()),
            }
        }
        if parts.is_empty() {
            return V::C(c);
        }
        if c != 0 {
            parts.push(V::C(c).wgsl());
        }
        V::E(parts.join(" + "))
    }

    /// Message schedule word `t`, computed (and bound) the first time it is needed.
    fn word(&mut self, w: &mut [Option<V>; 64], t: usize) -> V {
        if let Some(v) = &w[t] {
            return v.clone();
        }
        assert!(t >= 16, "message word {t} was not given");
        let w2 = self.word(w, t - 2);
        let w7 = self.word(w, t - 7);
        let w15 = self.word(w, t - 15);
        let w16 = self.word(w, t - 16);
        let s1 = self.call1("ssig1", ssig1, &w2);
        let s0 = self.call1("ssig0", ssig0, &w15);
        let sum = self.add(&[s1, w7, s0, w16]);
        let v = self.bind(&format!("w{t}"), sum);
        w[t] = Some(v.clone());
        v
    }

    /// Rounds `from..to` on a state given as the last four `a` and `e`
    /// values, newest first (`a, b, c, d` and `e, f, g, h`). Returns the
    /// state after round `to - 1` in the same form.
    fn rounds(
        &mut self,
        mut a: [V; 4],
        mut e: [V; 4],
        w: &mut [Option<V>; 64],
        from: usize,
        to: usize,
    ) -> ([V; 4], [V; 4]) {
        for (t, &k) in K.iter().enumerate().take(to).skip(from) {
            let wt = self.word(w, t);
            let s1 = self.call1("bsig1", bsig1, &e[0]);
            let c = self.call3("ch", ch, &e[0], &e[1], &e[2]);
            let t1 = self.add(&[e[3].clone(), s1, c, V::C(k), wt]);
            let t1 = self.bind(&format!("t{t}"), t1);
            let s0 = self.call1("bsig0", bsig0, &a[0]);
            let m = self.call3("maj", maj, &a[0], &a[1], &a[2]);
            let new_e = self.add(&[a[3].clone(), t1.clone()]);
            let new_e = self.bind(&format!("e{t}"), new_e);
            let new_a = self.add(&[t1, s0, m]);
            let new_a = self.bind(&format!("a{t}"), new_a);
            a = [new_a, a[0].clone(), a[1].clone(), a[2].clone()];
            e = [new_e, e[0].clone(), e[1].clone(), e[2].clone()];
        }
        (a, e)
    }

    /// Adds the chaining value to a state after 64 rounds: `[a..h]`.
    fn feed_forward(&mut self, init: &[V; 8], a: &[V; 4], e: &[V; 4], out: &str) -> [V; 8] {
        let state = [&a[0], &a[1], &a[2], &a[3], &e[0], &e[1], &e[2], &e[3]];
        std::array::from_fn(|i| {
            let sum = self.add(&[init[i].clone(), state[i].clone()]);
            self.bind(&format!("{out}{i}"), sum)
        })
    }
}

fn is_identifier(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn split_state(s: &[V; 8]) -> ([V; 4], [V; 4]) {
    (
        [s[0].clone(), s[1].clone(), s[2].clone(), s[3].clone()],
        [s[4].clone(), s[5].clone(), s[6].clone(), s[7].clone()],
    )
}

fn words(given: &[V]) -> [Option<V>; 64] {
    let mut w: [Option<V>; 64] = std::array::from_fn(|_| None);
    for (slot, v) in w.iter_mut().zip(given) {
        *slot = Some(v.clone());
    }
    w
}

/// A whole compression `fn NAME(PARAMS) -> array<u32, 8>` of `init` with block `block`.
fn compress_fn(name: &str, params: &str, init: [V; 8], block: &[V]) -> String {
    let mut g = Gen::new("", "    ");
    let mut w = words(block);
    let (a, e) = split_state(&init);
    let (a, e) = g.rounds(a, e, &mut w, 0, 64);
    let out = g.feed_forward(&init, &a, &e, "o");
    let list: Vec<String> = out.iter().map(V::wgsl).collect();
    format!(
        "fn {name}({params}) -> array<u32, 8> {{\n{}    return array<u32, 8>({});\n}}\n",
        g.out,
        list.join(", ")
    )
}

fn indexed(base: &str, n: usize) -> Vec<V> {
    (0..n).map(|i| V::E(format!("{base}[{i}]"))).collect()
}

fn state_of(v: Vec<V>) -> [V; 8] {
    v.try_into().expect("eight words")
}

/// The code each `@generate` name expands to.
fn generate(name: &str) -> String {
    let consts = |c: &[u32]| c.iter().map(|&x| V::C(x)).collect::<Vec<_>>();
    match name {
        // One 64-byte block from any state.
        "compress" => compress_fn(
            "compress",
            "s: array<u32, 8>, m: array<u32, 16>",
            state_of(indexed("s", 8)),
            &indexed("m", 16),
        ),
        // The padding block after a 64-byte message (a Merkle pair).
        "compress_pad64" => {
            let mut block = consts(&[0x8000_0000]);
            block.extend(consts(&[0; 14]));
            block.push(V::C(512));
            compress_fn(
                "compress_pad64",
                "s: array<u32, 8>",
                state_of(indexed("s", 8)),
                &block,
            )
        }
        // The second block of an 80-byte header: 16 message bytes, then padding.
        "compress_tail80" => {
            let mut block = indexed("m", 4);
            block.push(V::C(0x8000_0000));
            block.extend(consts(&[0; 10]));
            block.push(V::C(640));
            compress_fn(
                "compress_tail80",
                "s: array<u32, 8>, m: array<u32, 4>",
                state_of(indexed("s", 8)),
                &block,
            )
        }
        // SHA-256 of a 32-byte digest: the outer hash of sha256d.
        "sha256_digest" => {
            let mut block = indexed("d", 8);
            block.push(V::C(0x8000_0000));
            block.extend(consts(&[0; 6]));
            block.push(V::C(256));
            compress_fn(
                "sha256_digest",
                "d: array<u32, 8>",
                state_of(consts(&H0)),
                &block,
            )
        }
        "search_inner" => search_inner(),
        other => panic!("unknown @generate name {other}"),
    }
}

/// Rounds 4..63 of the header's second block and rounds 0..60 of the outer
/// hash, for the loop body of the nonce search. Expects `a3`, `e3`, the
/// post-round-2 state `s0..s7`, the midstate `m0..m7`, `tail2`, `w3`, `w16`
/// and `w17` in scope; leaves the outer hash's last state word in `top`.
fn search_inner() -> String {
    let indent = "        ";
    // Inner hash, second block: [tail0, tail1, tail2, nonce, 0x80000000, 0.., 640];
    // W0 and W1 are only needed for W16 and W17, which the host gives.
    let mut g = Gen::new("x", indent);
    let mut given: Vec<V> = vec![
        V::E("unused_w0".into()),
        V::E("unused_w1".into()),
        V::var("tail2"),
        V::var("w3"),
        V::C(0x8000_0000),
    ];
    given.extend(std::iter::repeat_n(V::C(0), 10));
    given.push(V::C(640));
    given.push(V::var("w16"));
    given.push(V::var("w17"));
    let mut w = words(&given);
    let a = [V::var("a3"), V::var("s0"), V::var("s1"), V::var("s2")];
    let e = [V::var("e3"), V::var("s4"), V::var("s5"), V::var("s6")];
    let (a, e) = g.rounds(a, e, &mut w, 4, 64);
    let mid: [V; 8] = std::array::from_fn(|i| V::E(format!("m{i}")));
    let digest = g.feed_forward(&mid, &a, &e, "h");
    let mut code = g.out;
    assert!(
        !code.contains("unused_w"),
        "W0/W1 leaked into the search code"
    );

    // Outer hash. Its state word 7 after 64 rounds is H0[7] + e60: the rounds
    // after 60 only shift that value down, so they are skipped.
    let mut g = Gen::new("y", indent);
    let mut block: Vec<V> = digest.to_vec();
    block.push(V::C(0x8000_0000));
    block.extend(std::iter::repeat_n(V::C(0), 6));
    block.push(V::C(256));
    let mut w = words(&block);
    let init = state_of(H0.iter().map(|&x| V::C(x)).collect());
    let (a, e) = split_state(&init);
    let (_, e) = g.rounds(a, e, &mut w, 0, 61);
    let top = g.add(&[V::C(H0[7]), e[0].clone()]);
    writeln!(g.out, "{indent}let top = {};", top.wgsl()).expect("write to String");
    code.push_str(&g.out);
    code
}

/// Expands one template: every line `// @generate NAME` becomes the
/// generated code and every `// @include FILE` the file from `src_dir`.
pub fn expand(template: &str, src_dir: &Path) -> std::io::Result<String> {
    let mut out = String::new();
    for line in template.lines() {
        let line_t = line.trim();
        if let Some(name) = line_t.strip_prefix("// @generate ") {
            out.push_str(&generate(name.trim()));
        } else if let Some(file) = line_t.strip_prefix("// @include ") {
            out.push_str(&std::fs::read_to_string(src_dir.join(file.trim()))?);
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}

/// Expands every template in `src_dir` (`*.wgsl`) into `out_dir`.
pub fn write_all(src_dir: &Path, out_dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(src_dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wgsl") {
            let template = std::fs::read_to_string(&path)?;
            let name = path.file_name().expect("file name");
            std::fs::write(out_dir.join(name), expand(&template, src_dir)?)?;
        }
    }
    Ok(())
}
