// Batch sha256d kernels: 80-byte block headers and 64-byte Merkle pairs.
// One invocation hashes one item. The host stores every message word
// big-endian-decoded (as SHA-256 reads it) and reads digests back the same way.

// @include sha256_ops.wgsl

// @generate compress
// @generate compress_pad64
// @generate compress_tail80
// @generate sha256_digest

const H0 = array<u32, 8>(
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
    0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
);

// 20 words per header or 16 per pair, back to back.
@group(0) @binding(0) var<storage, read> input: array<u32>;
// 8 words per digest.
@group(0) @binding(1) var<storage, read_write> output: array<u32>;
// params[0]: how many items this dispatch holds.
@group(0) @binding(2) var<storage, read> params: array<u32, 4>;

override WORKGROUP_SIZE: u32 = 64u;

fn item_index(group: vec3<u32>, groups: vec3<u32>, local: u32) -> u32 {
    return (group.y * groups.x + group.x) * WORKGROUP_SIZE + local;
}

fn store_digest(item: u32, d: array<u32, 8>) {
    for (var i = 0u; i < 8u; i++) {
        output[item * 8u + i] = d[i];
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn hash_headers(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let item = item_index(group, groups, local);
    if (item >= params[0]) {
        return;
    }
    let base = item * 20u;
    var block: array<u32, 16>;
    for (var i = 0u; i < 16u; i++) {
        block[i] = input[base + i];
    }
    let tail = array<u32, 4>(input[base + 16u], input[base + 17u], input[base + 18u], input[base + 19u]);
    let inner = compress_tail80(compress(H0, block), tail);
    store_digest(item, sha256_digest(inner));
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn merkle_pairs(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let item = item_index(group, groups, local);
    if (item >= params[0]) {
        return;
    }
    let base = item * 16u;
    var block: array<u32, 16>;
    for (var i = 0u; i < 16u; i++) {
        block[i] = input[base + i];
    }
    let inner = compress_pad64(compress(H0, block));
    store_digest(item, sha256_digest(inner));
}
