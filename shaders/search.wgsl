// sha256d nonce search: one dispatch covers `count` nonces from `first_nonce`.
//
// The host has compressed header bytes 0..64 (the midstate) and run rounds
// 0..2 of the second block, which see only the header tail; it also gives
// round 3's sums without the nonce word, and schedule words W16 and W17.
// Each invocation walks `per_invocation` consecutive nonces. Of the outer
// hash only the most significant word is computed: a nonce whose top 32 bits
// exceed the target's cannot meet it, and the host re-checks every candidate.

// @include sha256_ops.wgsl

// Job words, rewritten by the host before each submission (see dispatch.rs):
// 0..8 midstate, 8..16 state after round 2 (a..h), 16..19 header words 16..18,
// 19 W16, 20 W17, 21 round 3's T1 without W3, 22 round 3's T2,
// 23 top 32 bits of the target, 24 first nonce, 25 nonce count,
// 26 nonces per invocation, 27 hit capacity.
@group(0) @binding(0) var<storage, read> job: array<u32, 32>;

// hits[0] counts candidates; hits[1..=capacity] holds the first ones found,
// in no particular order. A count above capacity tells the host to redo
// the dispatch in pieces.
@group(0) @binding(1) var<storage, read_write> hits: array<atomic<u32>>;

override WORKGROUP_SIZE: u32 = 64u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn search(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let invocation = (group.y * groups.x + group.x) * WORKGROUP_SIZE + local;
    let count = job[25];
    let first = invocation * job[26];
    if (first >= count) {
        return;
    }
    let end = min(first + job[26], count);

    let m0 = job[0];
    let m1 = job[1];
    let m2 = job[2];
    let m3 = job[3];
    let m4 = job[4];
    let m5 = job[5];
    let m6 = job[6];
    let m7 = job[7];
    let s0 = job[8];
    let s1 = job[9];
    let s2 = job[10];
    let s3 = job[11];
    let s4 = job[12];
    let s5 = job[13];
    let s6 = job[14];
    let tail2 = job[18];
    let w16 = job[19];
    let w17 = job[20];
    let t1_partial = job[21];
    let t2_3 = job[22];
    let target_top = job[23];
    let first_nonce = job[24];
    let capacity = job[27];

    for (var i = first; i < end; i++) {
        let nonce = first_nonce + i;
        // The header stores the nonce little-endian; SHA-256 reads big-endian.
        let w3 = swap_bytes(nonce);
        let t3 = t1_partial + w3;
        let a3 = t3 + t2_3;
        let e3 = s3 + t3;
        // @generate search_inner
        if (swap_bytes(top) <= target_top) {
            let slot = atomicAdd(&hits[0], 1u);
            if (slot < capacity) {
                atomicStore(&hits[slot + 1u], nonce);
            }
        }
    }
}
