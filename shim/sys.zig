//! Raw Linux system calls and x86_64 ABI records the controller needs, without libc.
//! Every wrapper returns the raw kernel result; `errno` decodes a failure.

const std = @import("std");
const linux = std.os.linux;

pub const SYS = linux.SYS;

/// The errno of a raw result, or 0 on success.
pub fn errno(rc: usize) u16 {
    const signed: isize = @bitCast(rc);
    return if (signed < 0 and signed > -4096) @intCast(-signed) else 0;
}

pub fn failed(rc: usize) bool {
    return errno(rc) != 0;
}

pub const pid_t = i32;

/// Reads /proc/<pid>/<name> (one read: the files umbra reads fit `buffer`) into `buffer`;
/// null when it cannot be read (the thread is gone).
pub fn read_proc(pid: pid_t, name: []const u8, buffer: []u8) ?[]u8 {
    var path_buffer: [64]u8 = undefined;
    const path = std.fmt.bufPrintZ(&path_buffer, "/proc/{d}/{s}", .{ pid, name }) catch unreachable;
    const fd = linux.open(path, .{ .ACCMODE = .RDONLY, .CLOEXEC = true }, 0);
    if (failed(fd)) return null;
    defer _ = linux.close(@intCast(fd));
    const n = linux.read(@intCast(fd), buffer.ptr, buffer.len);
    if (failed(n)) return null;
    return buffer[0..n];
}

/// `struct user_regs_struct` for x86_64 (sys/user.h).
pub const Registers = extern struct {
    r15: u64,
    r14: u64,
    r13: u64,
    r12: u64,
    rbp: u64,
    rbx: u64,
    r11: u64,
    r10: u64,
    r9: u64,
    r8: u64,
    rax: u64,
    rcx: u64,
    rdx: u64,
    rsi: u64,
    rdi: u64,
    orig_rax: u64,
    rip: u64,
    cs: u64,
    eflags: u64,
    rsp: u64,
    ss: u64,
    fs_base: u64,
    gs_base: u64,
    ds: u64,
    es: u64,
    fs: u64,
    gs: u64,
};

comptime {
    std.debug.assert(@sizeOf(Registers) == 27 * 8);
}

pub const PTRACE = linux.PTRACE;

pub const PTRACE_O = struct {
    pub const TRACESYSGOOD: usize = 0x01;
    pub const TRACEFORK: usize = 0x02;
    pub const TRACEVFORK: usize = 0x04;
    pub const TRACECLONE: usize = 0x08;
    pub const TRACEEXEC: usize = 0x10;
    pub const TRACEEXIT: usize = 0x40;
    pub const TRACESECCOMP: usize = 0x80;
    pub const EXITKILL: usize = 0x100000;
};

pub const PTRACE_EVENT = struct {
    pub const FORK: u32 = 1;
    pub const VFORK: u32 = 2;
    pub const CLONE: u32 = 3;
    pub const EXEC: u32 = 4;
    pub const EXIT: u32 = 6;
    pub const SECCOMP: u32 = 7;
    pub const STOP: u32 = 128;
};

pub const WALL: u32 = 0x40000000;
pub const WNOTHREAD: u32 = 0x20000000;
pub const WNOHANG: u32 = 1;

pub const SIGKILL: u32 = 9;
pub const SIGUSR1: u32 = 10;
pub const SIGSTOP: u32 = 19;
pub const SIGTRAP: u32 = 5;

pub fn ptrace(request: u32, pid: pid_t, addr: usize, data: usize) usize {
    return linux.syscall4(.ptrace, request, @bitCast(@as(isize, pid)), addr, data);
}

pub fn wait4(pid: pid_t, status: *u32, options: u32, usage: ?*linux.rusage) usize {
    return linux.wait4(pid, status, options, usage);
}

pub fn kill(pid: pid_t, signal: u32) usize {
    return linux.syscall2(.kill, @bitCast(@as(isize, pid)), signal);
}

pub fn tgkill(tgid: pid_t, tid: pid_t, signal: u32) usize {
    return linux.syscall3(.tgkill, @bitCast(@as(isize, tgid)), @bitCast(@as(isize, tid)), signal);
}

pub fn getpid() pid_t {
    return @intCast(linux.syscall0(.getpid));
}

pub fn getppid() pid_t {
    return @intCast(linux.syscall0(.getppid));
}

pub fn prctl(option: usize, arg2: usize) usize {
    return linux.syscall5(.prctl, option, arg2, 0, 0, 0);
}

pub fn prctl3(option: usize, arg2: usize, arg3: usize) usize {
    return linux.syscall5(.prctl, option, arg2, arg3, 0, 0);
}

pub fn exit_group(code: u32) noreturn {
    _ = linux.syscall1(.exit_group, code);
    unreachable;
}

/// Kernel `struct sigaction` for rt_sigaction.
pub const KernelSigaction = extern struct {
    handler: usize,
    flags: u64,
    restorer: usize,
    mask: u64,
};

pub fn rt_sigaction(signal: u32, action: *const KernelSigaction) usize {
    return linux.syscall4(.rt_sigaction, signal, @intFromPtr(action), 0, 8);
}

pub fn rt_sigprocmask(how: u32, set: *const u64, old: ?*u64) usize {
    return linux.syscall4(.rt_sigprocmask, how, @intFromPtr(set), @intFromPtr(old), 8);
}

pub const SIG_SETMASK: u32 = 2;
pub const SIG_BLOCK: u32 = 0;

pub fn futex_wait(word: *const std.atomic.Value(u32), expected: u32, timeout_ns: u64) void {
    const ts: linux.timespec = .{
        .sec = @intCast(timeout_ns / std.time.ns_per_s),
        .nsec = @intCast(timeout_ns % std.time.ns_per_s),
    };
    // FUTEX_WAIT_PRIVATE; a timeout, EAGAIN or EINTR all mean "look again".
    _ = linux.syscall4(.futex, @intFromPtr(&word.raw), 128, expected, @intFromPtr(&ts));
}

pub fn futex_wake(word: *const std.atomic.Value(u32)) void {
    _ = linux.syscall3(.futex, @intFromPtr(&word.raw), 129, std.math.maxInt(i32));
}
