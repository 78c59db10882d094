//! Property tests for every parser of untrusted input: header files, block
//! JSON, device-profile TOML, report JSON, network TOML and the Stratum/DUCO
//! hex fields. Stable Rust has no cargo-fuzz, so this is the fuzzer: each
//! target mutates the real files in `tests/corpus/<target>/` (byte edits,
//! splices, and edits of the parsed TOML/JSON tree that keep the file
//! well-formed so the semantic checks behind the parser are reached too) and
//! also feeds plain random bytes. The property is always "no panic", plus a
//! round trip where the format has one.
//!
//! `cargo test` runs 500 to 2,000 cases per target (20,000 for nBits). `PROPTEST_CASES` sets
//! the cases per round, and `MICROMINE_FUZZ_SECS` repeats rounds with fresh
//! seeds until that many seconds have passed (the bounded run in `.ci/run`).
//! A failure prints the shrunk input; add it to the corpus and as a named
//! regression test below.

use crate::support::fixtures::CORPUS;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use micromine::backend::cpu::{CpuBackend, Platform};
use micromine::economics::coins::CoinSnapshot;
use micromine::economics::{self, Snapshot};
use micromine::export::load::{self, Loaded};
use micromine::export::report::Report;
use micromine::export::{chart, comparison, noise};
use micromine::kernel::chain;
use micromine::kernel::duco::{self, DucoJob, Prepared};
use micromine::kernel::header::{
    Header, Target, display_hex, next_retarget_bits, parse_display_hex, pow_target,
    target_from_compact,
};
use micromine::kernel::merkle::{self, RootScratch};
use micromine::kernel::sha256::sha256d;
use micromine::profile;
use micromine::profile::calibrate::DeviceCalibration;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestCaseResult, TestRunner};
use serde_json::Value as Json;

// ---------------------------------------------------------------------------
// Runner

/// Runs `test` on `strategy` for the configured cases, and keeps starting new
/// rounds while a `MICROMINE_FUZZ_SECS` budget is left. Panics (failing the
/// `#[test]`) with proptest's shrunk input on the first failure.
fn fuzz<S>(name: &str, default_cases: u32, strategy: S, test: impl Fn(S::Value) -> TestCaseResult)
where
    S: Strategy,
    S::Value: fmt::Debug,
{
    // Config::default() reads PROPTEST_CASES, PROPTEST_RNG_SEED and friends.
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = default_cases;
    }
    // Findings become named tests and corpus files, not files proptest
    // writes somewhere in the tree.
    config.failure_persistence = None;
    let budget = std::env::var("MICROMINE_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .map(Duration::from_secs_f64);
    let start = Instant::now();
    REACHED.set(0);
    let mut cases = 0u64;
    for round in 0u64.. {
        let mut round_config = config.clone();
        // A fixed seed would replay the same round: step it instead.
        if let RngSeed::Fixed(seed) = config.rng_seed {
            round_config.rng_seed = RngSeed::Fixed(seed.wrapping_add(round));
        }
        let mut runner = TestRunner::new(round_config);
        if let Err(e) = runner.run(&strategy, &test) {
            panic!("{name}: {e}");
        }
        cases += u64::from(config.cases);
        if budget.is_none_or(|b| start.elapsed() >= b) {
            break;
        }
    }
    eprintln!(
        "fuzz {name}: {cases} cases in {:.1} s, {} accepted by the parser",
        start.elapsed().as_secs_f64(),
        REACHED.get()
    );
}

thread_local! {
    /// Cases (shrinking included) whose input the parser accepted: a fuzzer
    /// whose mutants all fail to parse tests only the parser's first line.
    static REACHED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn accepted() {
    REACHED.set(REACHED.get() + 1);
}

/// Input bytes, shown as text when they are text so a failure is readable.
#[derive(Clone)]
struct Input(Vec<u8>);

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match std::str::from_utf8(&self.0) {
            Ok(s) => write!(f, "Input(text {s:?})"),
            Err(_) => write!(f, "Input(hex {})", hex::encode(&self.0)),
        }
    }
}

impl Input {
    fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }
}

// ---------------------------------------------------------------------------
// Corpus

fn corpus_files(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(CORPUS).join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: empty corpus", dir.display());
    files
}

/// A target's seed files, read once per test binary.
type Seeds = (&'static str, &'static [Vec<u8>]);

fn corpus(target: &'static str) -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<std::sync::Mutex<Vec<Seeds>>> = OnceLock::new();
    let mut all = SEEDS.get_or_init(Default::default).lock().unwrap();
    if let Some((_, s)) = all.iter().find(|(t, _)| *t == target) {
        return s;
    }
    let seeds: Vec<Vec<u8>> = corpus_files(target)
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let seeds: &'static [Vec<u8>] = Box::leak(seeds.into_boxed_slice());
    all.push((target, seeds));
    seeds
}

// ---------------------------------------------------------------------------
// Byte-level mutations

/// Tokens that tend to break parsers and the arithmetic behind them.
const TEXT_TOKENS: &[&str] = &[
    "0",
    "-0",
    "-1",
    "1e308",
    "-1e308",
    "1e999",
    "5e-324",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "+inf",
    "null",
    "true",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    "=",
    ":",
    ",",
    "\n",
    "\r\n",
    "\t",
    "\0",
    "\u{feff}",
    "é",
    "\u{10ffff}",
    "[[x]]",
    "\\u0000",
    "\\",
    "#",
    "00000000",
    "ffffffff",
];

#[derive(Clone, Debug)]
enum Edit {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, u16),
    Truncate(Index),
    /// Copy a span of another seed (or this one) into this one.
    Splice {
        seed: Index,
        from: Index,
        len: u16,
        at: Index,
    },
    Token(Index, &'static str),
    /// Replace the k-th run of digits with a token.
    Number(Index, &'static str),
    /// Replace the k-th quoted string's contents with a long run.
    LongString(Index, u16),
}

fn edit() -> impl Strategy<Value = Edit> {
    let token = proptest::sample::select(TEXT_TOKENS);
    prop_oneof![
        2 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Edit::FlipBit(i, b)),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::SetByte(i, b)),
        1 => (any::<Index>(), proptest::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, v)| Edit::Insert(i, v)),
        1 => (any::<Index>(), 1u16..64).prop_map(|(i, n)| Edit::Delete(i, n)),
        1 => any::<Index>().prop_map(Edit::Truncate),
        1 => (any::<Index>(), any::<Index>(), 1u16..256, any::<Index>())
            .prop_map(|(seed, from, len, at)| Edit::Splice { seed, from, len, at }),
        2 => (any::<Index>(), token.clone()).prop_map(|(i, t)| Edit::Token(i, t)),
        2 => (any::<Index>(), token).prop_map(|(i, t)| Edit::Number(i, t)),
        1 => (any::<Index>(), 1u16..12_000).prop_map(|(i, n)| Edit::LongString(i, n)),
    ]
}

/// `Index::index` panics on an empty range; an empty input takes position 0.
fn at(i: &Index, len: usize) -> usize {
    if len == 0 { 0 } else { i.index(len) }
}

/// Start and end of each maximal run of bytes matching `f`.
fn runs(data: &[u8], f: impl Fn(u8) -> bool) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        if f(data[i]) {
            let s = i;
            while i < data.len() && f(data[i]) {
                i += 1;
            }
            out.push((s, i));
        } else {
            i += 1;
        }
    }
    out
}

fn apply(data: &mut Vec<u8>, e: &Edit, seeds: &[Vec<u8>]) {
    let len = data.len();
    match e {
        Edit::FlipBit(i, b) if len > 0 => data[at(i, len)] ^= 1 << b,
        Edit::SetByte(i, v) if len > 0 => data[at(i, len)] = *v,
        Edit::Insert(i, v) => {
            let p = at(i, len + 1);
            data.splice(p..p, v.iter().copied());
        }
        Edit::Delete(i, n) if len > 0 => {
            let p = at(i, len);
            data.drain(p..(p + *n as usize).min(len));
        }
        Edit::Truncate(i) => data.truncate(at(i, len + 1)),
        Edit::Splice {
            seed,
            from,
            len: n,
            at: to,
        } => {
            let src = &seeds[at(seed, seeds.len())];
            if !src.is_empty() {
                let s = at(from, src.len());
                let chunk = src[s..(s + *n as usize).min(src.len())].to_vec();
                let p = at(to, len + 1);
                data.splice(p..p, chunk);
            }
        }
        Edit::Token(i, t) => {
            let p = at(i, len + 1);
            data.splice(p..p, t.bytes());
        }
        Edit::Number(i, t) => {
            let nums = runs(data, |b| b.is_ascii_digit() || b == b'.');
            if !nums.is_empty() {
                let (s, e) = nums[at(i, nums.len())];
                data.splice(s..e, t.bytes());
            }
        }
        Edit::LongString(i, n) => {
            let quotes: Vec<usize> = (0..len).filter(|&k| data[k] == b'"').collect();
            let pairs: Vec<(usize, usize)> = quotes.chunks_exact(2).map(|q| (q[0], q[1])).collect();
            if !pairs.is_empty() {
                let (s, e) = pairs[at(i, pairs.len())];
                data.splice(s + 1..e, std::iter::repeat_n(b'x', *n as usize));
            }
        }
        _ => {}
    }
}

// ---------------------------------------------------------------------------
// Tree-level mutations: the file stays well-formed, so validation runs.

#[derive(Clone, Debug)]
enum TreeEdit {
    /// Replace the chosen node with the k-th interesting value of its own
    /// kind: the file still has the schema's shape, so the value reaches
    /// the semantic checks and the arithmetic behind them.
    Replace(Index, Index),
    /// Replace the chosen node with the k-th interesting value of any kind.
    ReplaceAny(Index, Index),
    /// Remove the chosen node from its table or array.
    Remove(Index),
    /// Duplicate the chosen array element or copy it to a new key.
    Duplicate(Index),
}

fn tree_edit() -> impl Strategy<Value = TreeEdit> {
    prop_oneof![
        6 => (any::<Index>(), any::<Index>()).prop_map(|(n, v)| TreeEdit::Replace(n, v)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(n, v)| TreeEdit::ReplaceAny(n, v)),
        1 => any::<Index>().prop_map(TreeEdit::Remove),
        1 => any::<Index>().prop_map(TreeEdit::Duplicate),
    ]
}

fn long_string() -> String {
    "x".repeat(10_000)
}

fn json_values() -> Vec<Json> {
    [
        "0",
        "-1",
        "1e308",
        "-1e308",
        "5e-324",
        "-0.0",
        "4294967295",
        "4294967296",
        "18446744073709551615",
        "-9223372036854775808",
        "0.5",
        "null",
        "true",
        "false",
        "\"\"",
        "\"ffffffff\"",
        "\"00\"",
        "[]",
        "{}",
        "[null]",
    ]
    .iter()
    .map(|s| serde_json::from_str(s).unwrap())
    .chain([Json::String(long_string())])
    .collect()
}

fn toml_values() -> Vec<toml::Value> {
    use toml::Value as T;
    vec![
        T::Integer(0),
        T::Integer(-1),
        T::Integer(4_294_967_295),
        T::Integer(4_294_967_296),
        T::Integer(i64::MAX),
        T::Integer(i64::MIN),
        T::Float(f64::NAN),
        T::Float(f64::INFINITY),
        T::Float(f64::NEG_INFINITY),
        T::Float(1e308),
        T::Float(-1e308),
        T::Float(5e-324),
        T::Float(-0.0),
        T::Float(0.5),
        T::Boolean(true),
        T::String(String::new()),
        T::String(" ".into()),
        T::String(long_string()),
        T::String("all".into()),
        T::Array(vec![]),
        T::Table(toml::Table::new()),
    ]
}

/// A document tree both formats map onto.
trait Tree: Clone {
    /// Paths (child positions from the root) of every node but the root.
    fn paths(&self) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        self.walk(&mut Vec::new(), &mut out);
        out
    }
    fn walk(&self, here: &mut Vec<usize>, out: &mut Vec<Vec<usize>>);
    fn child_mut(&mut self, i: usize) -> Option<&mut Self>;
    fn remove_child(&mut self, i: usize);
    /// Which of the interesting values may replace this node in kind.
    fn same_kind(&self, other: &Self) -> bool;
    fn duplicate_child(&mut self, i: usize);

    fn parent_mut(&mut self, path: &[usize]) -> Option<&mut Self> {
        let mut node = self;
        for &i in &path[..path.len() - 1] {
            node = node.child_mut(i)?;
        }
        Some(node)
    }

    fn apply(&mut self, e: &TreeEdit, values: &[Self]) {
        let paths = self.paths();
        if paths.is_empty() {
            return;
        }
        let pick = |i: &Index| paths[i.index(paths.len())].clone();
        match e {
            TreeEdit::Replace(n, v) | TreeEdit::ReplaceAny(n, v) => {
                let path = pick(n);
                let last = *path.last().unwrap();
                if let Some(node) = self.parent_mut(&path).and_then(|p| p.child_mut(last)) {
                    let mut pool: Vec<&Self> = values.iter().collect();
                    if matches!(e, TreeEdit::Replace(..)) {
                        let same: Vec<&Self> =
                            values.iter().filter(|x| node.same_kind(x)).collect();
                        if !same.is_empty() {
                            pool = same;
                        }
                    }
                    *node = pool[v.index(pool.len())].clone();
                }
            }
            TreeEdit::Remove(n) => {
                let path = pick(n);
                if let Some(p) = self.parent_mut(&path) {
                    p.remove_child(*path.last().unwrap());
                }
            }
            TreeEdit::Duplicate(n) => {
                let path = pick(n);
                if let Some(p) = self.parent_mut(&path) {
                    p.duplicate_child(*path.last().unwrap());
                }
            }
        }
    }
}

impl Tree for Json {
    fn same_kind(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
    fn walk(&self, here: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        let children: Vec<&Json> = match self {
            Json::Array(a) => a.iter().collect(),
            Json::Object(o) => o.values().collect(),
            _ => vec![],
        };
        for (i, c) in children.into_iter().enumerate() {
            here.push(i);
            out.push(here.clone());
            c.walk(here, out);
            here.pop();
        }
    }
    fn child_mut(&mut self, i: usize) -> Option<&mut Self> {
        match self {
            Json::Array(a) => a.get_mut(i),
            Json::Object(o) => o.values_mut().nth(i),
            _ => None,
        }
    }
    fn remove_child(&mut self, i: usize) {
        match self {
            Json::Array(a) if i < a.len() => {
                a.remove(i);
            }
            Json::Object(o) => {
                if let Some(k) = o.keys().nth(i).cloned() {
                    o.remove(&k);
                }
            }
            _ => {}
        }
    }
    fn duplicate_child(&mut self, i: usize) {
        match self {
            Json::Array(a) if i < a.len() => {
                let v = a[i].clone();
                a.insert(i, v);
            }
            Json::Object(o) => {
                if let Some((k, v)) = o.iter().nth(i).map(|(k, v)| (k.clone(), v.clone())) {
                    o.insert(format!("{k}_"), v);
                }
            }
            _ => {}
        }
    }
}

impl Tree for toml::Value {
    fn same_kind(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
    fn walk(&self, here: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        use toml::Value as T;
        let children: Vec<&T> = match self {
            T::Array(a) => a.iter().collect(),
            T::Table(t) => t.values().collect(),
            _ => vec![],
        };
        for (i, c) in children.into_iter().enumerate() {
            here.push(i);
            out.push(here.clone());
            c.walk(here, out);
            here.pop();
        }
    }
    fn child_mut(&mut self, i: usize) -> Option<&mut Self> {
        match self {
            toml::Value::Array(a) => a.get_mut(i),
            toml::Value::Table(t) => t.iter_mut().nth(i).map(|(_, v)| v),
            _ => None,
        }
    }
    fn remove_child(&mut self, i: usize) {
        match self {
            toml::Value::Array(a) if i < a.len() => {
                a.remove(i);
            }
            toml::Value::Table(t) => {
                if let Some(k) = t.keys().nth(i).cloned() {
                    t.remove(&k);
                }
            }
            _ => {}
        }
    }
    fn duplicate_child(&mut self, i: usize) {
        match self {
            toml::Value::Array(a) if i < a.len() => {
                let v = a[i].clone();
                a.insert(i, v);
            }
            toml::Value::Table(t) => {
                if let Some((k, v)) = t.iter().nth(i).map(|(k, v)| (k.clone(), v.clone())) {
                    t.insert(format!("{k}_"), v);
                }
            }
            _ => {}
        }
    }
}

#[derive(Clone, Copy)]
enum Format {
    Json,
    Toml,
    Bytes,
}

fn tree_mutate(seed: &[u8], edits: &[TreeEdit], format: Format) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(seed).ok()?;
    match format {
        Format::Json => {
            let mut v: Json = serde_json::from_str(text).ok()?;
            let values = json_values();
            for e in edits {
                v.apply(e, &values);
            }
            serde_json::to_vec_pretty(&v).ok()
        }
        Format::Toml => {
            let mut v = toml::Value::Table(toml::from_str(text).ok()?);
            let values = toml_values();
            for e in edits {
                v.apply(e, &values);
            }
            toml::to_string(&v).ok().map(String::into_bytes)
        }
        Format::Bytes => None,
    }
}

/// Mutated corpus seeds (byte edits, or tree edits then byte edits) and
/// random bytes.
fn inputs(target: &'static str, format: Format) -> impl Strategy<Value = Input> {
    let seeds = corpus(target);
    let bytes_seeds = seeds;
    let byte_mutants =
        (any::<Index>(), proptest::collection::vec(edit(), 1..6)).prop_map(move |(s, edits)| {
            let mut data = bytes_seeds[s.index(bytes_seeds.len())].clone();
            for e in &edits {
                apply(&mut data, e, bytes_seeds);
            }
            Input(data)
        });
    let tree_mutants = (
        any::<Index>(),
        proptest::collection::vec(tree_edit(), 1..4),
        proptest::collection::vec(edit(), 0..2),
    )
        .prop_map(move |(s, tree, byte)| {
            let seed = &seeds[s.index(seeds.len())];
            let mut data = tree_mutate(seed, &tree, format).unwrap_or_else(|| seed.clone());
            for e in &byte {
                apply(&mut data, e, seeds);
            }
            Input(data)
        });
    let random = proptest::collection::vec(any::<u8>(), 0..600).prop_map(Input);
    prop_oneof![4 => byte_mutants, 4 => tree_mutants, 1 => random]
}

// ---------------------------------------------------------------------------
// Headers: raw 80-byte records or hex lines (`validate-headers`).

/// Field edits on decoded headers, written back in the seed's encoding.
#[derive(Clone, Debug)]
enum HeaderEdit {
    /// Set a u32 field (0 version, 1 time, 2 bits, 3 nonce).
    Field(Index, u8, u32),
    Drop(Index),
    Duplicate(Index),
    Swap(Index, Index),
}

const INTERESTING_U32: &[u32] = &[
    0,
    1,
    u32::MAX,
    0x1d00_ffff,
    0x1d01_0000,
    0x1c00_ffff,
    0x0080_0000,
    0x0180_0000,
    0x0400_8000,
    0x2000_0001,
    0x2100_0001,
    0x2200_0100,
    0x2300_0001,
    0xff7f_ffff,
    0x0300_0000,
    0x0100_3456,
    0x7fff_ffff,
    0x8000_0000,
    1_231_006_505,
];

fn header_edit() -> impl Strategy<Value = HeaderEdit> {
    let value = prop_oneof![proptest::sample::select(INTERESTING_U32), any::<u32>(),];
    prop_oneof![
        4 => (any::<Index>(), 0u8..4, value).prop_map(|(i, f, v)| HeaderEdit::Field(i, f, v)),
        1 => any::<Index>().prop_map(HeaderEdit::Drop),
        1 => any::<Index>().prop_map(HeaderEdit::Duplicate),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| HeaderEdit::Swap(a, b)),
    ]
}

fn is_text(data: &[u8]) -> bool {
    !data.is_empty()
        && data
            .iter()
            .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace())
}

fn header_inputs() -> impl Strategy<Value = Input> {
    let seeds = corpus("headers");
    let structured = (
        any::<Index>(),
        proptest::collection::vec(header_edit(), 1..5),
    )
        .prop_map(move |(s, edits)| {
            let seed = &seeds[s.index(seeds.len())];
            let mut hs = chain::parse_headers(seed).expect("corpus headers parse");
            for e in &edits {
                let n = hs.len();
                match e {
                    HeaderEdit::Field(i, f, v) if n > 0 => {
                        let off = [0, 68, 72, 76][*f as usize];
                        hs[i.index(n)][off..off + 4].copy_from_slice(&v.to_le_bytes());
                    }
                    HeaderEdit::Drop(i) if n > 0 => {
                        hs.remove(i.index(n));
                    }
                    HeaderEdit::Duplicate(i) if n > 0 => {
                        let h = hs[i.index(n)];
                        hs.insert(i.index(n), h);
                    }
                    HeaderEdit::Swap(a, b) if n > 0 => hs.swap(a.index(n), b.index(n)),
                    _ => {}
                }
            }
            Input(if is_text(seed) {
                hs.iter()
                    .flat_map(|h| hex::encode(h).into_bytes().into_iter().chain([b'\n']))
                    .collect()
            } else {
                hs.concat()
            })
        });
    prop_oneof![
        2 => structured,
        2 => inputs("headers", Format::Bytes),
        // Raw records of random bytes: every length a multiple of 80.
        1 => (1usize..4).prop_flat_map(|n| proptest::collection::vec(any::<u8>(), n * 80))
            .prop_map(Input),
    ]
}

/// Found by the bounded fuzz run in CI once the header reader learnt to
/// take a BOM as hex text: the round trip must skip the BOM.
#[test]
fn regression_headers_with_a_bom_round_trip_as_hex() {
    let text = "\u{feff}0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c\n";
    use proptest::strategy::ValueTree;
    let level = any::<Index>()
        .new_tree(&mut proptest::test_runner::TestRunner::deterministic())
        .unwrap()
        .current();
    check_headers(text.as_bytes(), None, &level, 1).unwrap();
}

fn backends() -> Vec<Platform> {
    Platform::ALL.iter().filter_map(|p| p.force()).collect()
}

fn check_headers(data: &[u8], start: Option<u32>, level: &Index, threads: usize) -> TestCaseResult {
    let Ok(headers) = chain::parse_headers(data) else {
        return Ok(());
    };
    accepted();
    prop_assert!(!headers.is_empty());
    for h in &headers {
        prop_assert_eq!(&Header::from_bytes(h).to_bytes(), h);
    }
    // A leading UTF-8 BOM marks hex text; it is not part of the records.
    let body = data
        .strip_prefix(b"\xef\xbb\xbf".as_slice())
        .unwrap_or(data);
    if is_text(body) {
        let digits: Vec<u8> = body
            .iter()
            .filter(|b| !b.is_ascii_whitespace())
            .map(u8::to_ascii_lowercase)
            .collect();
        prop_assert_eq!(hex::encode(headers.concat()).into_bytes(), digits);
    } else {
        prop_assert_eq!(headers.concat(), data);
    }
    let levels = backends();
    let backend = CpuBackend {
        platform: levels[level.index(levels.len())],
    };
    let report = chain::validate(&headers, start, &backend, threads).expect("CPU hashing");
    prop_assert_eq!(report.headers, headers.len());
    match &report.failure {
        Some(f) => {
            prop_assert_eq!(f.index, report.headers_checked);
            let _ = (f.to_string(), f.fault.kind());
        }
        None => prop_assert_eq!(report.headers_checked, report.headers),
    }
    if let Some(tip) = report.tip {
        let last = Header::from_bytes(&headers[report.headers_checked - 1]);
        prop_assert_eq!(tip, last.hash());
    }
    Ok(())
}

fn start_height() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![
        Just(None),
        Just(Some(0)),
        Just(Some(2014)),
        Just(Some(2015)),
        Just(Some(u32::MAX)),
        any::<u32>().prop_map(Some),
    ]
}

#[test]
fn fuzz_headers() {
    fuzz(
        "headers",
        2000,
        (header_inputs(), start_height(), any::<Index>(), 1usize..4),
        |(input, start, level, threads)| check_headers(&input.0, start, &level, threads),
    );
}

/// nBits and the retarget arithmetic: any 32-bit value a header can carry.
#[test]
fn fuzz_nbits() {
    let bits = prop_oneof![proptest::sample::select(INTERESTING_U32), any::<u32>()];
    fuzz(
        "nbits",
        20_000,
        (
            bits.clone(),
            any::<u32>(),
            any::<u32>(),
            any::<u64>(),
            1u64..,
        ),
        |(bits, t0, t1, mul, div)| {
            if let Ok(t) = target_from_compact(bits) {
                accepted();
                // to_compact is canonical, and nBits holds at most 3 significant bytes.
                prop_assert_eq!(target_from_compact(t.to_compact()), Ok(t));
                prop_assert_eq!(Target::from_hex(&t.to_hex()), Ok(t));
                let _ = t.mul_div(mul, div);
                prop_assert!(economics::difficulty_from_bits(bits).is_some());
            }
            let _ = pow_target(bits);
            if let Ok(next) = next_retarget_bits(bits, t0, t1) {
                let _ = target_from_compact(next);
            }
            let _ = economics::difficulty_from_bits(bits);
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------
// Block JSON (`merkle`): the fields the command reads, through the same
// library calls.

#[derive(serde::Deserialize)]
struct BlockFile {
    txids: Vec<String>,
    merkle_root: String,
    #[allow(dead_code)]
    height: Option<u64>,
    header_hex: Option<String>,
}

/// `display_hex` inverts `parse_display_hex` up to case and surrounding space.
fn hex_round_trip(s: &str) -> Result<Option<[u8; 32]>, TestCaseError> {
    match parse_display_hex(s) {
        Ok(h) => {
            prop_assert_eq!(display_hex(&h), s.trim().to_ascii_lowercase());
            Ok(Some(h))
        }
        Err(_) => Ok(None),
    }
}

fn check_block(data: &[u8], pick: &Index, threads: usize) -> TestCaseResult {
    let Ok(block) = serde_json::from_slice::<BlockFile>(data) else {
        return Ok(());
    };
    accepted();
    let _ = hex_round_trip(&block.merkle_root)?;
    if let Some(h) = block
        .header_hex
        .as_deref()
        .and_then(|s| hex::decode(s).ok())
        .and_then(|b| <[u8; 80]>::try_from(b).ok())
    {
        prop_assert_eq!(Header::from_bytes(&h).to_bytes(), h);
    }
    let mut txids = Vec::new();
    for t in &block.txids {
        match hex_round_trip(t)? {
            Some(h) => txids.push(h),
            None => return Ok(()),
        }
    }
    let Some(root) = merkle::root(&txids) else {
        prop_assert!(txids.is_empty());
        return Ok(());
    };
    let backend = CpuBackend {
        platform: Platform::detect(),
    };
    let (r, pairs) = RootScratch::default()
        .root_with(&backend, threads, &txids)
        .expect("CPU hashing")
        .expect("non-empty");
    prop_assert_eq!(r, root);
    prop_assert_eq!(pairs, economics::merkle_root_pairs(txids.len() as u64));
    let i = pick.index(txids.len());
    let branch = merkle::branch(&txids, i).expect("index in range");
    prop_assert!(merkle::verify_branch(&txids[i], i as u32, &branch, &root));
    Ok(())
}

#[test]
fn fuzz_blocks() {
    fuzz(
        "blocks",
        1000,
        (inputs("blocks", Format::Json), any::<Index>(), 1usize..3),
        |(input, pick, threads)| check_block(&input.0, &pick, threads),
    );
}

// ---------------------------------------------------------------------------
// Device-profile TOML (`--profile FILE`).

fn check_profile(text: &str) -> TestCaseResult {
    let parsed = profile::parse("fuzz.toml", text);
    let Ok(p) = parsed else {
        let _ = parsed.map_err(|e| e.to_string());
        return Ok(());
    };
    accepted();
    let _ = (p.parameters(), serde_json::to_string(&p).unwrap());
    if let Some(e) = p.as_emulated() {
        let cores = e.cpu.cores();
        for used in [0, 1, 2, cores / 2, cores, cores.saturating_add(1), u32::MAX] {
            let _ = e.cpu.cycles_per_second(used);
            let _ = e.power.under_cap(e.power_cap_w, used, cores);
            let _ = e.power.at_duty(e.availability, used, cores);
        }
        let _ = (
            e.calibration.describe(),
            e.calibration.device_cycles_per_nonce(),
        );
        // The calibration's arithmetic on whatever figures validation let through.
        for clock in [None, Some(3e9), Some(f64::MIN_POSITIVE)] {
            if let Ok(cal) = DeviceCalibration::new(e, clock, 1e6, "fuzz") {
                let _ = cal.for_kernel(e, 1e3);
            }
        }
    }
    // A profile that validates re-serialises to TOML that validates to the same profile.
    let raw: profile::RawProfile = toml::from_str(text).expect("parse succeeded");
    let again = toml::to_string(&raw).expect("a parsed profile serialises");
    let p2 = profile::parse("fuzz.toml", &again);
    prop_assert!(
        p2.is_ok(),
        "re-serialised profile fails: {:?}\n{}",
        p2,
        again
    );
    // Debug, not ==: a NaN where validation allows one would never compare equal.
    prop_assert_eq!(format!("{:?}", p2.unwrap()), format!("{p:?}"));
    Ok(())
}

#[test]
fn fuzz_profiles() {
    fuzz(
        "profiles",
        1000,
        inputs("profiles", Format::Toml),
        |input| check_profile(&input.text()),
    );
}

// ---------------------------------------------------------------------------
// Report JSON (`report`, `compare`).

fn seed_reports() -> &'static [Report] {
    static R: OnceLock<Vec<Report>> = OnceLock::new();
    R.get_or_init(|| {
        corpus("reports")
            .iter()
            .map(|s| load::parse(std::str::from_utf8(s).unwrap()).expect("corpus reports load"))
            .collect()
    })
}

fn check_report(text: &str, other: &Index) -> TestCaseResult {
    let Ok(report) = load::parse(text) else {
        return Ok(());
    };
    accepted();
    let again = serde_json::to_string(&report).unwrap();
    let reloaded = load::parse(&again);
    prop_assert!(
        reloaded.is_ok(),
        "re-serialised report fails: {:?}",
        reloaded.err()
    );
    let (a, b) = (
        serde_json::to_value(&report).unwrap(),
        serde_json::to_value(reloaded.unwrap()).unwrap(),
    );
    prop_assert!(
        json_close(&a, &b),
        "round trip changed the report:\n{a}\n{b}"
    );

    let seed = &seed_reports()[other.index(seed_reports().len())];
    let _ = (noise::diff(&report, seed), noise::diff(seed, &report));
    let loaded = [
        Loaded {
            path: "fuzz.json".into(),
            report,
        },
        Loaded {
            path: "seed.json".into(),
            report: seed.clone(),
        },
    ];
    let cmp = comparison::build_with_coins(&loaded, snapshot(), coin_snapshot());
    let _ = (cmp.render_plain(), cmp.render_markdown());
    let _ = serde_json::to_string(&cmp).unwrap();
    let _ = chart::render(&cmp);
    Ok(())
}

/// Equal, except that floats may differ in the last bits: serde_json parses
/// floats best-effort unless its `float_roundtrip` feature is on, so a
/// number can come back one ULP off after a write and a read.
fn json_close(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs())
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_close(x, y))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_close(v, w)))
        }
        _ => a == b,
    }
}

fn snapshot() -> &'static Snapshot {
    static S: OnceLock<Snapshot> = OnceLock::new();
    S.get_or_init(Snapshot::builtin)
}

fn coin_snapshot() -> &'static CoinSnapshot {
    static S: OnceLock<CoinSnapshot> = OnceLock::new();
    S.get_or_init(CoinSnapshot::builtin)
}

#[test]
fn fuzz_reports() {
    fuzz(
        "reports",
        500,
        (inputs("reports", Format::Json), any::<Index>()),
        |(input, other)| check_report(&input.text(), &other),
    );
}

// ---------------------------------------------------------------------------
// Network and coin snapshot TOML (`--network FILE`, `--coins FILE`).

fn check_network(text: &str) -> TestCaseResult {
    let snap = Snapshot::parse(text, "fuzz.toml");
    let coins = CoinSnapshot::parse(text, "fuzz.toml");
    if snap.is_err() && coins.is_err() {
        return Ok(());
    }
    accepted();
    if let Ok(s) = &snap {
        let _ = (s.reward_btc(), s.overridden(), s.frontier());
    }
    if let Ok(c) = &coins {
        let _ = c.scrypt_frontier();
    }
    let snap = snap.unwrap_or_else(|_| snapshot().clone());
    let coins = coins.unwrap_or_else(|_| coin_snapshot().clone());
    let loaded: Vec<Loaded> = seed_reports()
        .iter()
        .map(|r| Loaded {
            path: "seed.json".into(),
            report: r.clone(),
        })
        .collect();
    let cmp = comparison::build_with_coins(&loaded, &snap, &coins);
    let _ = (cmp.render_plain(), cmp.render_markdown());
    let _ = serde_json::to_string(&cmp).unwrap();
    Ok(())
}

#[test]
fn fuzz_network() {
    fuzz("network", 500, inputs("network", Format::Toml), |input| {
        check_network(&input.text())
    });
}

// ---------------------------------------------------------------------------
// Stratum v1 and DUCO-S1 jobs: hex fields into the library helpers.

fn str_at<'a>(v: &'a Json, key: &str) -> Option<&'a str> {
    v.get(key)?.as_str()
}

fn u32_hex(s: &str) -> Option<u32> {
    u32::from_str_radix(s, 16).ok()
}

/// A Stratum v1 share rebuilt as a miner does: coinbase, Merkle branch
/// (always the left node), then the header. Returns the merkle root and the
/// header hash.
fn stratum_share(share: &Json) -> Option<([u8; 32], [u8; 32])> {
    let notify = share.get("notify")?;
    let submit = share.get("submit")?;
    let coinbase = [
        str_at(notify, "coinb1")?,
        str_at(share.get("subscribe")?, "extranonce1")?,
        str_at(submit, "extranonce2")?,
        str_at(notify, "coinb2")?,
    ]
    .iter()
    .map(|s| hex::decode(s).ok())
    .collect::<Option<Vec<_>>>()?
    .concat();
    let siblings = notify
        .get("merkle_branch")?
        .as_array()?
        .iter()
        .map(|b| hex::decode(b.as_str()?).ok()?.try_into().ok())
        .collect::<Option<Vec<[u8; 32]>>>()?;
    let root = merkle::branch_root(&sha256d(&coinbase), 0, &siblings);
    let prev: [u8; 32] = hex::decode(str_at(notify, "prevhash")?)
        .ok()?
        .try_into()
        .ok()?;
    let mut prev_hash = [0u8; 32];
    for (dst, src) in prev_hash.chunks_exact_mut(4).zip(prev.chunks_exact(4)) {
        dst.copy_from_slice(&[src[3], src[2], src[1], src[0]]);
    }
    let header = Header {
        version: u32_hex(str_at(notify, "version")?)? as i32,
        prev_hash,
        merkle_root: root,
        time: u32_hex(str_at(submit, "ntime")?)?,
        bits: u32_hex(str_at(notify, "nbits")?)?,
        nonce: u32_hex(str_at(submit, "nonce")?)?,
    };
    let hash = header.hash();
    if let Ok(t) = target_from_compact(header.bits) {
        let _ = t.is_met_by(&hash);
    }
    let _ = economics::difficulty_from_bits(header.bits);
    Some((root, hash))
}

fn check_duco_job(job: &Json, range: (u64, u64)) -> TestCaseResult {
    let (Some(last), Some(expected), Some(difficulty)) = (
        str_at(job, "last_hash"),
        str_at(job, "expected_hash"),
        job.get("difficulty").and_then(Json::as_u64),
    ) else {
        return Ok(());
    };
    let Ok(job_) = DucoJob::new(last, expected, difficulty) else {
        return Ok(());
    };
    let max = job_.max_nonce();
    let _ = job_.check_range(&(range.0..range.1));
    // A small window near the stated solution, clamped into the job.
    let centre = job
        .get("result_nonce")
        .and_then(Json::as_u64)
        .unwrap_or(range.0);
    let start = centre.saturating_sub(range.1 % 16).min(max);
    let window = start..(start + 32).min(max + 1);
    let p = Prepared::new(&job_);
    let fast = duco::search(&p, window.clone()).expect("window inside the job");
    let naive = duco::search_naive(&job_, window).expect("window inside the job");
    prop_assert_eq!(&fast, &naive);
    for n in fast.hits {
        prop_assert!(p.check(n));
    }
    Ok(())
}

fn check_stratum(data: &[u8], range: (u64, u64)) -> TestCaseResult {
    let Ok(v) = serde_json::from_slice::<Json>(data) else {
        return Ok(());
    };
    accepted();
    // Every string is tried as each kind of hex field.
    let mut strings = Vec::new();
    collect_strings(&v, &mut strings);
    for s in &strings {
        let _ = hex_round_trip(s)?;
        if let Ok(t) = Target::from_hex(s) {
            prop_assert_eq!(t.to_hex(), s.trim().to_ascii_lowercase());
        }
        if let Some(bits) = u32_hex(s) {
            let _ = (
                target_from_compact(bits),
                economics::difficulty_from_bits(bits),
            );
        }
    }
    for pair in strings.windows(2) {
        let _ = DucoJob::new(pair[0], pair[1], range.0);
    }
    for share in v
        .get("shares")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let _ = stratum_share(share);
    }
    for job in v.get("jobs").and_then(Json::as_array).into_iter().flatten() {
        check_duco_job(job, range)?;
    }
    Ok(())
}

fn collect_strings<'a>(v: &'a Json, out: &mut Vec<&'a str>) {
    match v {
        Json::String(s) => out.push(s),
        Json::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Json::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

#[test]
fn fuzz_stratum() {
    let range = prop_oneof![
        (0u64..2000, 0u64..2000),
        any::<(u64, u64)>(),
        Just((u64::MAX / 100, u64::MAX)),
    ];
    fuzz(
        "stratum",
        1000,
        (inputs("stratum", Format::Json), range),
        |(input, range)| check_stratum(&input.0, range),
    );
}

// ---------------------------------------------------------------------------
// The harness reads the corpus as intended: the unmutated seeds give the
// answers their sources state, so a mutant that "finds nothing" is not just
// a harness that never reached the library.

#[test]
fn corpus_seeds_reach_the_library() {
    for seed in corpus("headers") {
        let hs = chain::parse_headers(seed).unwrap();
        assert!(hs.len() >= 3);
    }
    for seed in corpus("blocks") {
        let b: BlockFile = serde_json::from_slice(seed).unwrap();
        let txids: Vec<_> = b
            .txids
            .iter()
            .map(|t| parse_display_hex(t).unwrap())
            .collect();
        assert_eq!(
            merkle::root(&txids),
            Some(parse_display_hex(&b.merkle_root).unwrap())
        );
    }
    for (file, seed) in corpus_files("profiles").iter().zip(corpus("profiles")) {
        profile::parse("seed", std::str::from_utf8(seed).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    }
    assert_eq!(seed_reports().len(), corpus("reports").len());
    let mut snapshots = 0;
    for seed in corpus("network") {
        let text = std::str::from_utf8(seed).unwrap();
        snapshots += usize::from(Snapshot::parse(text, "seed").is_ok());
        snapshots += usize::from(CoinSnapshot::parse(text, "seed").is_ok());
    }
    assert_eq!(snapshots, 2, "one network and one coin snapshot");

    let stratum: Json = serde_json::from_slice(
        &std::fs::read(Path::new(CORPUS).join("stratum/stratum_v1_examples.json")).unwrap(),
    )
    .unwrap();
    let share = &stratum["shares"][0];
    let (root, hash) = stratum_share(share).unwrap();
    assert_eq!(
        hex::encode(root),
        share["expected"]["merkle_root_internal_hex"]
            .as_str()
            .unwrap()
    );
    assert_eq!(
        display_hex(&hash),
        share["derived_by_gatherer"]["block_hash_display"]
            .as_str()
            .unwrap()
    );
    let duco: Json = serde_json::from_slice(
        &std::fs::read(Path::new(CORPUS).join("stratum/duco_s1_jobs.json")).unwrap(),
    )
    .unwrap();
    let j = &duco["jobs"][0];
    let job = DucoJob::new(
        str_at(j, "last_hash").unwrap(),
        str_at(j, "expected_hash").unwrap(),
        j["difficulty"].as_u64().unwrap(),
    )
    .unwrap();
    let found = duco::search(&Prepared::new(&job), job.full_range()).unwrap();
    assert_eq!(found.hits, [j["result_nonce"].as_u64().unwrap()]);
}

// ---------------------------------------------------------------------------
// Findings, kept as named regressions (their inputs are corpus seeds too).

/// `report --svg` hung: a rate of 1e308 made the chart's log axis end at
/// infinity (and 5e-324 start it at zero), and plotters' decade walk never
/// ended. Fixed in `export::chart::decades`.
#[test]
fn regression_chart_axis_extreme_rates_terminate() {
    for name in [
        "regress-chart-median-1e308.json",
        "regress-chart-span-5e-324-1e308.json",
    ] {
        let text = std::fs::read_to_string(Path::new(CORPUS).join("reports").join(name)).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let report = load::parse(&text).expect("the regression input loads");
            let loaded = [Loaded {
                path: name.into(),
                report,
            }];
            let cmp = comparison::build_with_coins(&loaded, snapshot(), coin_snapshot());
            tx.send(chart::render(&cmp).map(|svg| svg.len())).unwrap();
        });
        let svg = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("{name}: chart rendering did not finish"));
        assert!(svg.is_ok_and(|n| n > 0), "{name}");
    }
}

/// `report` panicked (add with overflow) printing "Whole chain = height + 1
/// headers" for a network snapshot with `chain_height = 2^64 - 1`. The
/// snapshot is now refused when read (`Snapshot::validate`).
#[test]
fn regression_network_chain_height_u64_max_is_refused() {
    let text = std::fs::read_to_string(
        Path::new(CORPUS).join("network/regress-chain-height-u64-max.toml"),
    )
    .unwrap();
    let err = Snapshot::parse(&text, "regress").unwrap_err();
    assert!(err.to_string().contains("chain height"), "{err}");
    check_network(&text).unwrap();
}
