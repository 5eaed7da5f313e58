//! Starting a program: the spawn spec, and the set-up of init's forked child between fork and
//! execve. The child is traced from birth (init is, with PTRACE_O_TRACEFORK).
//!
//! Spec format (made by src/native/spawn_spec.ts): u32 argc, u32 envc, u32 flags, u64 ignored
//! (bit N-1: signal N starts ignored, as across the execve of a parent that ignores it), then
//! NUL-terminated strings: path, cwd, stdin, stdout, stderr, argv[argc], envp[envc]. An empty
//! stdio path means "inherit umbra's"; stdin opens read-only, stdout/stderr are created or
//! truncated. With `flag_output_pid_stdout` (`_stderr`), stdout (stderr) is a prefix that gets
//! ".<pid>.stdout" (".<pid>.stderr"); the pid is the kernel's, known only in the child.

const std = @import("std");
const assert = std.debug.assert;
const linux = std.os.linux;
const sys = @import("sys.zig");
const seccomp = @import("seccomp.zig");
const clock = @import("clock.zig");

/// Spec flag: hold the program at its first exec stop (the tracer reads it).
pub const flag_hold_at_exec: u32 = 1;
/// Spec flag: stdout is the prefix of a per-pid file name.
pub const flag_output_pid_stdout: u32 = 2;
/// Spec flag: address-space layout randomisation off (personality ADDR_NO_RANDOMIZE, which
/// fork and exec keep; a set-user-ID exec drops it, as the kernel does).
pub const flag_no_aslr: u32 = 4;
/// Spec flag: rdtsc and rdtscp fault (PR_SET_TSC PR_TSC_SIGSEGV, kept across fork and exec),
/// and the tracer answers them from the virtual clock.
pub const flag_trap_tsc: u32 = 8;
/// Spec flag: stderr is the prefix of a per-pid file name (apart from stdout's: one may be piped).
pub const flag_output_pid_stderr: u32 = 16;
/// Spec flag: the program leads a session of its own, and its non-empty stdio paths name a
/// terminal (opened read-write, never created) that becomes its controlling terminal.
pub const flag_terminal: u32 = 32;
pub const header_size = 20;

pub const SpecError = error{ SpecTruncated, OutOfMemory };

pub const Prepared = struct {
    path: [*:0]const u8,
    cwd: [*:0]const u8,
    stdio: [3][*:0]const u8,
    argv: [*:null]const ?[*:0]const u8,
    envp: [*:null]const ?[*:0]const u8,
    flags: u32,
    ignored: u64,
};

/// The spec's flags (bytes 8 to 12 of its header).
pub fn flags_of(spec: []const u8) u32 {
    if (spec.len < header_size) return 0;
    return std.mem.readInt(u32, spec[8..12], .little);
}

/// Points into `spec` (which must stay put until execve); the pointer arrays are mapped anew.
pub fn prepare(spec: []const u8) SpecError!Prepared {
    if (spec.len < header_size or spec[spec.len - 1] != 0) return error.SpecTruncated;
    const argc = std.mem.readInt(u32, spec[0..4], .little);
    const envc = std.mem.readInt(u32, spec[4..8], .little);
    // Each string takes a byte at least: more strings than bytes cannot be right.
    if (@as(u64, argc) + envc + 5 > spec.len) return error.SpecTruncated;
    const pointer_count = @as(usize, argc) + envc + 2;
    const mapped = linux.mmap(null, pointer_count * 8, linux.PROT.READ | linux.PROT.WRITE, .{ .TYPE = .PRIVATE, .ANONYMOUS = true }, -1, 0);
    if (sys.failed(mapped)) return error.OutOfMemory;
    const pointers: [*]?[*:0]const u8 = @ptrFromInt(mapped);

    var cursor: usize = header_size;
    var fixed: [5][*:0]const u8 = undefined;
    for (&fixed) |*string| string.* = try next_string(spec, &cursor);
    var index: usize = 0;
    for (0..argc) |_| {
        pointers[index] = try next_string(spec, &cursor);
        index += 1;
    }
    pointers[index] = null;
    index += 1;
    const envp_start = index;
    for (0..envc) |_| {
        pointers[index] = try next_string(spec, &cursor);
        index += 1;
    }
    pointers[index] = null;
    if (cursor != spec.len) return error.SpecTruncated;
    assert(index + 1 == pointer_count);
    return .{
        .path = fixed[0],
        .cwd = fixed[1],
        .stdio = .{ fixed[2], fixed[3], fixed[4] },
        .argv = @ptrCast(&pointers[0]),
        .envp = @ptrCast(&pointers[envp_start]),
        .flags = flags_of(spec),
        .ignored = std.mem.readInt(u64, spec[12..20], .little),
    };
}

fn next_string(bytes: []const u8, cursor: *usize) SpecError![*:0]const u8 {
    const end = std.mem.indexOfScalarPos(u8, bytes, cursor.*, 0) orelse return error.SpecTruncated;
    const string: [*:0]const u8 = @ptrCast(&bytes[cursor.*]);
    cursor.* = end + 1;
    return string;
}

const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;
const SECCOMP_SET_MODE_FILTER = 1;
const ADDR_NO_RANDOMIZE = 0x0040000;
const PR_SET_TSC = 26;
const PR_TSC_SIGSEGV = 2;

/// Runs in init's forked child: raw syscalls only. Any failure exits with the errno as status;
/// the policy knows exec never happened.
pub fn child(spec: []const u8, filter: *const seccomp.SockFprog) noreturn {
    const prepared = prepare(spec) catch |err| sys.exit_group(switch (err) {
        error.SpecTruncated => @intFromEnum(linux.E.INVAL),
        error.OutOfMemory => @intFromEnum(linux.E.NOMEM),
    });
    // init blocks every signal; the program starts with none blocked, as after a plain fork+exec.
    const empty: u64 = 0;
    check(sys.rt_sigprocmask(sys.SIG_SETMASK, &empty, null));
    ignore_signals(prepared.ignored);
    // Before the terminal is opened: only a session leader can take it as its own.
    if (prepared.flags & flag_terminal != 0) check(linux.syscall0(.setsid));
    open_stdio(&prepared);
    if (prepared.flags & flag_terminal != 0) take_terminal(&prepared);
    // Nothing of init's leaks into the program but the virtual clock's region (virtual time).
    _ = linux.syscall3(.close_range, 3, @intCast(clock.program_fd - 1), 0);
    _ = linux.syscall3(.close_range, @intCast(clock.program_fd + 1), std.math.maxInt(u32), 0);
    if (prepared.cwd[0] != 0) check(linux.chdir(prepared.cwd));
    drop_inherited_capabilities();
    if (prepared.flags & flag_no_aslr != 0) {
        const current = linux.syscall1(.personality, 0xffffffff);
        if (!sys.failed(current)) check(linux.syscall1(.personality, current | ADDR_NO_RANDOMIZE));
    }
    if (prepared.flags & flag_trap_tsc != 0) check(sys.prctl(PR_SET_TSC, PR_TSC_SIGSEGV));
    // The child holds CAP_SYS_ADMIN in the sandbox's user namespace, so the filter needs no
    // PR_SET_NO_NEW_PRIVS: set-user-ID programs work as natively. The execve is the only call
    // made under it here.
    check(linux.syscall3(.seccomp, SECCOMP_SET_MODE_FILTER, 0, @intFromPtr(filter)));
    const rc = linux.execve(prepared.path, prepared.argv, prepared.envp);
    sys.exit_group(sys.errno(rc));
}

/// SIG_IGN for each signal in `mask` (init's children start with every disposition default);
/// execve keeps it. SIGKILL and SIGSTOP cannot be ignored: the kernel refuses, and so it stays.
fn ignore_signals(mask: u64) void {
    const ignore: sys.KernelSigaction = .{ .handler = 1, .flags = 0, .restorer = 0, .mask = 0 };
    for (1..65) |signal| {
        if (mask & (@as(u64, 1) << @intCast(signal - 1)) == 0) continue;
        if (signal == sys.SIGKILL or signal == sys.SIGSTOP) continue;
        check(sys.rt_sigaction(@intCast(signal), &ignore));
    }
}

fn open_stdio(prepared: *const Prepared) void {
    var name: [4096 + 32]u8 = undefined;
    for (prepared.stdio, 0..) |path, fd| {
        if (path[0] == 0) continue;
        const per_pid = if (fd == 1) flag_output_pid_stdout else flag_output_pid_stderr;
        const target: [*:0]const u8 = if (fd > 0 and prepared.flags & per_pid != 0)
            output_name(&name, std.mem.span(path), if (fd == 1) "stdout" else "stderr") orelse sys.exit_group(@intFromEnum(linux.E.NAMETOOLONG))
        else
            path;
        const flags: linux.O = if (prepared.flags & flag_terminal != 0)
            .{ .ACCMODE = .RDWR }
        else if (fd == 0)
            .{ .ACCMODE = .RDONLY }
        else
            .{ .ACCMODE = .WRONLY, .CREAT = true, .TRUNC = true };
        const opened = linux.open(target, flags, 0o644);
        check(opened);
        if (opened != fd) {
            check(linux.dup2(@intCast(opened), @intCast(fd)));
            _ = linux.close(@intCast(opened));
        }
    }
}

const TIOCSCTTY = 0x540E;

/// Makes the terminal on the first stdio descriptor that has a path the controlling terminal
/// (opening it may have done so already; then this succeeds as well).
fn take_terminal(prepared: *const Prepared) void {
    for (prepared.stdio, 0..) |path, fd| {
        if (path[0] == 0) continue;
        check(linux.ioctl(@intCast(fd), TIOCSCTTY, 0));
        return;
    }
}

/// `<prefix>.<pid>.<suffix>`, the pid being this process's own.
fn output_name(buffer: []u8, prefix: []const u8, suffix: []const u8) ?[*:0]const u8 {
    const name = std.fmt.bufPrintZ(buffer, "{s}.{d}.{s}", .{ prefix, sys.getpid(), suffix }) catch return null;
    return name.ptr;
}

/// init's ambient and inheritable capabilities are its own tools (mounting /proc); the program
/// gets what its uid gives it at execve, as natively. (Effective ones stay until the execve:
/// installing the filter needs CAP_SYS_ADMIN.)
fn drop_inherited_capabilities() void {
    _ = sys.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL);
    var header: linux.cap_user_header_t = .{ .version = 0x20080522, .pid = 0 };
    var data: [2]linux.cap_user_data_t = undefined;
    if (sys.failed(linux.capget(&header, &data[0]))) return;
    data[0].inheritable = 0;
    data[1].inheritable = 0;
    _ = linux.capset(&header, &data[0]);
}

fn check(rc: usize) void {
    const code = sys.errno(rc);
    if (code != 0) sys.exit_group(code);
}

test "a spec parses into its strings, argv and envp" {
    const spec = "\x02\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00/bin/sh\x00/tmp\x00\x00out\x00\x00sh\x00-c\x00A=1\x00";
    const prepared = try prepare(spec);
    try std.testing.expectEqualStrings("/bin/sh", std.mem.span(prepared.path));
    try std.testing.expectEqualStrings("out", std.mem.span(prepared.stdio[1]));
    try std.testing.expectEqualStrings("-c", std.mem.span(prepared.argv[1].?));
    try std.testing.expect(prepared.argv[2] == null);
    try std.testing.expectEqualStrings("A=1", std.mem.span(prepared.envp[0].?));
    try std.testing.expectEqual(flag_output_pid_stdout, prepared.flags);
    try std.testing.expectEqual(@as(u64, 1), prepared.ignored);
    try std.testing.expectError(error.SpecTruncated, prepare(spec[0 .. spec.len - 4]));
}
