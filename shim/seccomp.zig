//! The classic-BPF seccomp filter every sandboxed process runs under: SECCOMP_RET_TRACE for the
//! syscalls the policy subscribes to, ENOSYS for foreign ABIs (i386, x32), ALLOW for the rest.
//! The kernel's per-syscall action cache makes the allowed syscalls free after the first call.

const std = @import("std");
const assert = std.debug.assert;
const BPF = std.os.linux.BPF;

pub const SockFilter = extern struct { code: u16, jt: u8, jf: u8, k: u32 };
pub const SockFprog = extern struct { len: u16, filter: [*]const SockFilter };

/// Syscall numbers the bitmap can name.
pub const syscall_count_max = 512;
pub const Bitmap = [syscall_count_max / 64]u64;

const audit_arch_x86_64: u32 = 0xc000003e;
const x32_syscall_bit: u32 = 0x40000000;
const ret_allow: u32 = 0x7fff0000;
const ret_trace: u32 = 0x7ff00000;
const ret_errno: u32 = 0x00050000;
const enosys: u32 = 38;
const offset_nr = 0;
const offset_arch = 4;

pub const instruction_count_max = 8 + 2 * syscall_count_max;

pub const Filter = struct {
    instructions: [instruction_count_max]SockFilter = undefined,
    len: u16 = 0,

    fn emit(filter: *Filter, code: u16, jt: u8, jf: u8, k: u32) void {
        assert(filter.len < instruction_count_max);
        filter.instructions[filter.len] = .{ .code = code, .jt = jt, .jf = jf, .k = k };
        filter.len += 1;
    }

    pub fn program(filter: *const Filter) SockFprog {
        assert(filter.len > 0);
        return .{ .len = filter.len, .filter = &filter.instructions };
    }
};

/// Builds the filter for the syscalls whose bits are set in `traced`.
pub fn build(filter: *Filter, traced: *const Bitmap) void {
    filter.len = 0;
    filter.emit(BPF.LD | BPF.W | BPF.ABS, 0, 0, offset_arch);
    filter.emit(BPF.JMP | BPF.JEQ | BPF.K, 1, 0, audit_arch_x86_64);
    filter.emit(BPF.RET | BPF.K, 0, 0, ret_errno | enosys);
    filter.emit(BPF.LD | BPF.W | BPF.ABS, 0, 0, offset_nr);
    filter.emit(BPF.JMP | BPF.JGE | BPF.K, 0, 1, x32_syscall_bit);
    filter.emit(BPF.RET | BPF.K, 0, 0, ret_errno | enosys);
    for (0..syscall_count_max) |nr| {
        if (traced[nr / 64] & (@as(u64, 1) << @intCast(nr % 64)) == 0) continue;
        // Two instructions a syscall keep every jump short (BPF jumps reach 255 at most).
        filter.emit(BPF.JMP | BPF.JEQ | BPF.K, 0, 1, @intCast(nr));
        filter.emit(BPF.RET | BPF.K, 0, 0, ret_trace);
    }
    filter.emit(BPF.RET | BPF.K, 0, 0, ret_allow);
    assert(filter.len >= 7);
}

test "filter has a trace return per subscribed syscall" {
    var traced: Bitmap = @splat(0);
    traced[0] = 1 << 39;
    traced[1] = 1 << (110 - 64);
    var filter: Filter = .{};
    build(&filter, &traced);
    try std.testing.expectEqual(@as(u16, 7 + 4), filter.len);
    try std.testing.expectEqual(@as(u32, 39), filter.instructions[6].k);
}
