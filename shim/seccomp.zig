//! The classic-BPF seccomp filter every sandboxed process runs under: SECCOMP_RET_TRACE for the
//! syscalls the policy subscribes to (optionally only when one argument has one of a few
//! values), an errno for the few it refuses outright, ENOSYS for foreign ABIs (i386, x32),
//! ALLOW for the rest. The kernel's per-syscall action cache makes unconditionally allowed
//! syscalls free after the first call.
//!
//! Rules arrive as u32 words: rule count, then per rule: syscall number, argument index
//! (`any_argument` for none), value count, action (0: trace; `observe_flag` | pointer argument
//! index << 16 | bytes to copy: observe; `deny_flag` | errno: refuse; with `trace_otherwise_flag`
//! a call whose argument has none of the values is traced rather than allowed), the values
//! (compared with the argument's low 32 bits). An observed syscall is reported to the policy with a copy of the
//! memory its pointer argument points at, and runs on without waiting for a reply.

const std = @import("std");
const assert = std.debug.assert;
const BPF = std.os.linux.BPF;

pub const SockFilter = extern struct { code: u16, jt: u8, jf: u8, k: u32 };
pub const SockFprog = extern struct { len: u16, filter: [*]const SockFilter };

pub const syscall_number_max = 512;
pub const rule_count_max = 256;
pub const values_per_rule_max = 16;
pub const any_argument: u32 = 0xffff_ffff;
/// Upper bound of the rule encoding, in u32 words.
pub const rules_words_max = 1 + rule_count_max * (4 + values_per_rule_max);
pub const observe_flag: u32 = 0x8000_0000;
pub const deny_flag: u32 = 0x4000_0000;
pub const trace_otherwise_flag: u32 = 0x2000_0000;

/// How the tracer treats an observed syscall: copy `length` bytes at pointer argument `argument`.
pub const Observation = struct { argument: u8, length: u8 };

/// Observations by syscall number (null: the policy answers the stop).
pub const Observations = [syscall_number_max]?Observation;

const audit_arch_x86_64: u32 = 0xc000003e;
const x32_syscall_bit: u32 = 0x40000000;
const ret_allow: u32 = 0x7fff0000;
/// SECCOMP_RET_DATA of umbra's RET_TRACE: at a seccomp stop PTRACE_GETEVENTMSG tells umbra's
/// own stops from those a program's own filter asked for (which, natively, no tracer would take).
pub const trace_data: u32 = 0x554d; // "UM"
const ret_trace: u32 = 0x7ff00000 | trace_data;
const ret_errno: u32 = 0x00050000;
const enosys: u32 = 38;
const offset_nr = 0;
const offset_arch = 4;
const offset_args = 16;

pub const instruction_count_max = 8 + rule_count_max * (4 + values_per_rule_max);

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

pub const RulesError = error{ RulesTruncated, TooManyRules, TooManyValues, BadSyscall, BadArgument };

/// What the filter does with a call no rule selects.
pub const Otherwise = enum { allow, trace };

/// Builds the filter (and the observation table) from encoded rules (see the file comment).
/// `otherwise`: `trace` sends every call no rule refuses to the policy (strace logging).
pub fn build(filter: *Filter, observations: *Observations, words: []const u32, otherwise: Otherwise) RulesError!void {
    const unselected = if (otherwise == .trace) ret_trace else ret_allow;
    for (observations) |*observation| observation.* = null;
    if (words.len < 1) return error.RulesTruncated;
    const count = words[0];
    if (count > rule_count_max) return error.TooManyRules;
    filter.len = 0;
    filter.emit(BPF.LD | BPF.W | BPF.ABS, 0, 0, offset_arch);
    filter.emit(BPF.JMP | BPF.JEQ | BPF.K, 1, 0, audit_arch_x86_64);
    filter.emit(BPF.RET | BPF.K, 0, 0, ret_errno | enosys);
    filter.emit(BPF.LD | BPF.W | BPF.ABS, 0, 0, offset_nr);
    filter.emit(BPF.JMP | BPF.JGE | BPF.K, 0, 1, x32_syscall_bit);
    filter.emit(BPF.RET | BPF.K, 0, 0, ret_errno | enosys);
    var cursor: usize = 1;
    for (0..count) |_| {
        if (cursor + 4 > words.len) return error.RulesTruncated;
        const nr = words[cursor];
        const argument = words[cursor + 1];
        const value_count = words[cursor + 2];
        const action = words[cursor + 3] & ~trace_otherwise_flag;
        const otherwise_action = if (words[cursor + 3] & trace_otherwise_flag != 0) ret_trace else unselected;
        cursor += 4;
        if (nr >= syscall_number_max) return error.BadSyscall;
        var matched = ret_trace;
        if (action & deny_flag != 0) {
            const errno = action & 0xffff;
            if (action & observe_flag != 0 or errno == 0 or errno >= 4096) return error.BadArgument;
            matched = ret_errno | errno;
        } else if (action != 0) {
            const pointer: u32 = (action >> 16) & 0xff;
            const length: u32 = action & 0xffff;
            if (action & observe_flag == 0 or pointer >= 6 or length > 128) return error.BadArgument;
            observations[nr] = .{ .argument = @intCast(pointer), .length = @intCast(length) };
        }
        if (value_count > values_per_rule_max) return error.TooManyValues;
        if (cursor + value_count > words.len) return error.RulesTruncated;
        const values = words[cursor .. cursor + value_count];
        cursor += value_count;
        if (argument == any_argument) {
            // Two instructions a syscall keep every jump short (BPF jumps reach 255 at most).
            filter.emit(BPF.JMP | BPF.JEQ | BPF.K, 0, 1, nr);
            filter.emit(BPF.RET | BPF.K, 0, 0, matched);
            continue;
        }
        if (argument >= 6) return error.BadArgument;
        // nr?  no: skip the block.  yes: load the argument, trace on a listed value, else allow.
        const block_len: u8 = @intCast(1 + value_count + 2);
        filter.emit(BPF.JMP | BPF.JEQ | BPF.K, 0, block_len, nr);
        filter.emit(BPF.LD | BPF.W | BPF.ABS, 0, 0, offset_args + 8 * argument);
        for (values, 0..) |value, i| {
            const to_trace: u8 = @intCast(value_count - i); // past the remaining JEQs and the ALLOW
            filter.emit(BPF.JMP | BPF.JEQ | BPF.K, to_trace, 0, value);
        }
        filter.emit(BPF.RET | BPF.K, 0, 0, otherwise_action);
        filter.emit(BPF.RET | BPF.K, 0, 0, matched);
    }
    if (cursor != words.len) return error.RulesTruncated;
    filter.emit(BPF.RET | BPF.K, 0, 0, unselected);
    assert(filter.len >= 7);
}

test "filter has a trace return per plain rule" {
    var filter: Filter = .{};
    var observations: Observations = undefined;
    try build(&filter, &observations, &.{ 2, 39, any_argument, 0, 0, 110, any_argument, 0, observe_flag | 1 << 16 | 32 }, .allow);
    try std.testing.expect(observations[39] == null);
    try std.testing.expectEqual(@as(u8, 32), observations[110].?.length);
    try std.testing.expectEqual(@as(u16, 7 + 4), filter.len);
    try std.testing.expectEqual(@as(u32, 39), filter.instructions[6].k);
}

test "an argument rule jumps to trace on each value and allows otherwise" {
    var filter: Filter = .{};
    var observations: Observations = undefined;
    try build(&filter, &observations, &.{ 1, 13, 0, 2, 0, 17, 10 }, .allow);
    const block = filter.instructions[6..];
    try std.testing.expectEqual(@as(u8, 5), block[0].jf); // skip LD, 2 JEQ, ALLOW, TRACE
    try std.testing.expectEqual(@as(u32, offset_args), block[1].k);
    try std.testing.expectEqual(@as(u8, 2), block[2].jt); // first value: over JEQ and ALLOW
    try std.testing.expectEqual(@as(u8, 1), block[3].jt);
    try std.testing.expectEqual(ret_allow, block[4].k);
    try std.testing.expectEqual(ret_trace, block[5].k);
    try std.testing.expectError(error.RulesTruncated, build(&filter, &observations, &.{ 1, 13, 0, 2, 0, 17 }, .allow));
}

test "tracing everything else turns every allow into a trace" {
    var filter: Filter = .{};
    var observations: Observations = undefined;
    try build(&filter, &observations, &.{ 1, 13, 0, 1, 0, 17 }, .trace);
    for (filter.instructions[6..filter.len]) |instruction| try std.testing.expect(instruction.k != ret_allow);
    try std.testing.expectEqual(ret_trace, filter.instructions[filter.len - 1].k);
}

test "a rule that traces otherwise refuses its values and traces the rest" {
    var filter: Filter = .{};
    var observations: Observations = undefined;
    try build(&filter, &observations, &.{ 1, 16, 1, 1, deny_flag | trace_otherwise_flag | 1, 0x5412 }, .allow);
    const block = filter.instructions[6..];
    try std.testing.expectEqual(ret_trace, block[3].k);
    try std.testing.expectEqual(ret_errno | 1, block[4].k);
    try std.testing.expectEqual(ret_allow, filter.instructions[filter.len - 1].k);
}

test "a deny rule returns its errno on a listed value and allows otherwise" {
    var filter: Filter = .{};
    var observations: Observations = undefined;
    try build(&filter, &observations, &.{ 2, 16, 1, 1, deny_flag | 1, 0x5412, 153, any_argument, 0, deny_flag | 1 }, .allow);
    const block = filter.instructions[6..];
    try std.testing.expectEqual(@as(u32, 0x5412), block[2].k);
    try std.testing.expectEqual(ret_allow, block[3].k);
    try std.testing.expectEqual(ret_errno | 1, block[4].k);
    try std.testing.expectEqual(ret_errno | 1, block[6].k);
    try std.testing.expectError(error.BadArgument, build(&filter, &observations, &.{ 1, 153, any_argument, 0, deny_flag }, .allow));
}
