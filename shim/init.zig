//! umbra-init: pid 1 of a host's pid namespace. It mounts the namespace's own /proc, forks the
//! host's programs on request and reaps every orphan, as an init must. A small static program,
//! embedded in libumbra and exec'd from a memfd; umbra's tracer traces it (PTRACE_SEIZE with
//! TRACEFORK), so each program it forks is traced from birth.
//!
//! Descriptors: `control_fd` (requests from the tracer: u32 slot indices; EOF ends the host),
//! `status_fd` (set-up progress to the tracer), shared.init_fd (the shared region), and, in
//! virtual time, clock.program_fd. argv[1] names the `Mode`, argv[2] is umbra's capability
//! bounding set (hex), which programs get too.

const std = @import("std");
const assert = std.debug.assert;
const linux = std.os.linux;
const sys = @import("sys.zig");
const shared = @import("shared.zig");
const spawn = @import("spawn.zig");

pub const control_fd: i32 = 3;
pub const status_fd: i32 = 4;

/// Set-up progress, one byte each on `status_fd`.
pub const Status = struct {
    /// Root mode: the user namespace exists; the tracer writes its id maps, then sends `go`.
    pub const needs_maps: u8 = 'M';
    /// Serving requests (the tracer seizes init now, before it sends any).
    pub const ready: u8 = 'R';
    /// Set-up failed: followed by one byte naming the `Step` and a little-endian u16 errno.
    pub const failed: u8 = 'E';
};

/// The tracer's answer to `needs_maps` (and, in user mode, the go-ahead to exec init at all).
pub const go: u8 = 'G';

/// What failed, in a `failed` status.
pub const Step = enum(u8) { mount_private, mount_proc, last_pid, read_only, user_namespace, maps, region, signals, random_device };

/// Where the host's random devices are, each bound over by the FIFO umbra feeds (seeded runs).
const random_devices = [_][*:0]const u8{ "/dev/urandom", "/dev/random" };

/// How the sandbox's root is kept from acting on the host.
/// - `root` (umbra runs as root): init starts in the host's user namespace, makes the kernel's
///   knobs read-only (/proc/sys, /sys, ...) in its mount namespace, then moves into a user
///   namespace of its own (identity-mapped: files keep their owners) with new mount, UTS and IPC
///   namespaces. Programs hold capabilities over those namespaces only, and the read-only mounts,
///   made in a more privileged namespace, are locked.
/// - `user`: init was created in a new user namespace mapping umbra's uid and gid to themselves,
///   with CAP_SYS_ADMIN there as an ambient capability across its exec, for /proc.
pub const Mode = enum { root, user };

/// Files of the kernel's that act on the whole machine; read-only for a sandboxed root.
const read_only_paths = [_][*:0]const u8{ "/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/sys" };

/// The first program gets 1000, as in Shadow.
const last_pid = "999";

const PR_SET_NAME = 15;
const PR_SET_DUMPABLE = 4;
const PR_SET_PDEATHSIG = 1;
const MS_BIND = 0x1000;
const MS_REC = 0x4000;
const MS_PRIVATE = 1 << 18;
const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_NOEXEC = 8;
const AT_RECURSIVE = 0x8000;
const MOUNT_ATTR_RDONLY: u64 = 1;
const mount_setattr_nr = 442;
const CLONE_NEWNS = 0x00020000;
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWIPC = 0x08000000;
const CLONE_NEWUSER = 0x10000000;
const WALL = 0x40000000;

const Failure = struct { step: Step, errno: u16 };

pub fn main() noreturn {
    const mode: Mode = if (std.os.argv.len > 1 and std.mem.eql(u8, std.mem.span(std.os.argv[1]), "root")) .root else .user;
    _ = sys.prctl(PR_SET_NAME, @intFromPtr("umbra-init"));
    // Not dumpable: no program may read or write init's memory (nor its forked children's before
    // their execve), even a sandboxed root (its memory belongs to the namespace init was exec'd in).
    _ = sys.prctl(PR_SET_DUMPABLE, 0);
    // Signals wait in a signalfd. As pid 1 it gets only what it has handlers for: none.
    const all: u64 = std.math.maxInt(u64);
    _ = sys.rt_sigprocmask(sys.SIG_SETMASK, &all, null);
    reset_dispositions();
    // A session of its own for the host's programs: kill(0) and TIOCSTI reach a group and a
    // terminal, and umbra's are outside the namespace.
    _ = linux.setsid();
    const fifo: ?[*:0]const u8 = if (std.os.argv.len > 3) std.os.argv[3] else null;
    if (set_up(mode, fifo)) |failure| fail(failure);
    keep_bounding_set(if (std.os.argv.len > 2) std.fmt.parseInt(u64, std.mem.span(std.os.argv[2]), 16) catch null else null);
    // A credential change (the user namespace) may have cleared it.
    _ = sys.prctl(PR_SET_PDEATHSIG, sys.SIGKILL);
    const region = map_region() orelse fail(.{ .step = .region, .errno = @intFromEnum(linux.E.NOMEM) });
    const catchable: linux.sigset_t = @bitCast(all_catchable());
    const signals = linux.signalfd(-1, &catchable, linux.SFD.CLOEXEC | linux.SFD.NONBLOCK);
    if (sys.failed(signals)) fail(.{ .step = .signals, .errno = sys.errno(signals) });
    report(&.{Status.ready});
    serve(region, @intCast(signals));
}

fn reset_dispositions() void {
    const default_action: sys.KernelSigaction = .{ .handler = 0, .flags = 0, .restorer = 0, .mask = 0 };
    var signal: u32 = 1;
    while (signal <= 64) : (signal += 1) {
        if (signal == sys.SIGKILL or signal == sys.SIGSTOP) continue;
        _ = sys.rt_sigaction(signal, &default_action);
    }
}

fn all_catchable() [@sizeOf(linux.sigset_t) / 8]u64 {
    var words = [_]u64{0} ** (@sizeOf(linux.sigset_t) / 8);
    words[0] = std.math.maxInt(u64) & ~(@as(u64, 1) << (sys.SIGKILL - 1)) & ~(@as(u64, 1) << (sys.SIGSTOP - 1));
    return words;
}

fn set_up(mode: Mode, fifo: ?[*:0]const u8) ?Failure {
    // Nothing mounted here may propagate to the host.
    if (failed_at(.mount_private, linux.mount(null, "/", null, MS_REC | MS_PRIVATE, 0))) |f| return f;
    // Seeded: the host's random devices read umbra's stream. (Bound before the root mode's
    // unshare, the mounts are locked: the sandbox cannot take them away.)
    if (fifo) |path| {
        for (random_devices) |device| {
            const rc = linux.mount(path, device, null, MS_BIND, 0);
            if (sys.errno(rc) != @intFromEnum(linux.E.NOENT)) {
                if (failed_at(.random_device, rc)) |f| return f;
            }
        }
    }
    if (failed_at(.mount_proc, linux.mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, 0))) |f| return f;
    if (write_file("/proc/sys/kernel/ns_last_pid", last_pid)) |errno| return .{ .step = .last_pid, .errno = errno };
    if (mode == .user) return null;
    for (read_only_paths) |path| {
        if (make_read_only(path)) |errno| return .{ .step = .read_only, .errno = errno };
    }
    const namespaces = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
    if (failed_at(.user_namespace, linux.unshare(namespaces))) |f| return f;
    report(&.{Status.needs_maps});
    var answer: u8 = 0;
    const got = linux.read(control_fd, @ptrCast(&answer), 1);
    if (got != 1 or answer != go) return .{ .step = .maps, .errno = @intFromEnum(linux.E.PIPE) };
    return null;
}

const PR_CAPBSET_READ = 23;
const PR_CAPBSET_DROP = 24;

/// A new user namespace's bounding set is full: take out what umbra's own lacks, as natively.
fn keep_bounding_set(mask: ?u64) void {
    const keep = mask orelse return;
    for (0..64) |cap| {
        if (keep & (@as(u64, 1) << @intCast(cap)) != 0) continue;
        if (sys.prctl(PR_CAPBSET_READ, cap) == 1) _ = sys.prctl(PR_CAPBSET_DROP, cap);
    }
}

fn failed_at(step: Step, rc: usize) ?Failure {
    const errno = sys.errno(rc);
    return if (errno == 0) null else .{ .step = step, .errno = errno };
}

/// Binds `path` onto itself and makes it read-only, submounts too. A missing path is fine.
fn make_read_only(path: [*:0]const u8) ?u16 {
    const bound = linux.mount(path, path, null, MS_BIND | MS_REC, 0);
    if (sys.errno(bound) == @intFromEnum(linux.E.NOENT)) return null;
    if (sys.failed(bound)) return sys.errno(bound);
    const attributes = extern struct { set: u64, clear: u64, propagation: u64, userns_fd: u64 }{
        .set = MOUNT_ATTR_RDONLY,
        .clear = 0,
        .propagation = 0,
        .userns_fd = 0,
    };
    const AT_FDCWD: usize = @bitCast(@as(isize, -100));
    const rc = linux.syscall5(@enumFromInt(mount_setattr_nr), AT_FDCWD, @intFromPtr(path), AT_RECURSIVE, @intFromPtr(&attributes), @sizeOf(@TypeOf(attributes)));
    return if (sys.failed(rc)) sys.errno(rc) else null;
}

fn write_file(path: [*:0]const u8, text: []const u8) ?u16 {
    const fd = linux.open(path, .{ .ACCMODE = .WRONLY, .CLOEXEC = true }, 0);
    if (sys.failed(fd)) return sys.errno(fd);
    defer _ = linux.close(@intCast(fd));
    const written = linux.write(@intCast(fd), text.ptr, text.len);
    if (sys.failed(written)) return sys.errno(written);
    return null;
}

fn map_region() ?*shared.Region {
    const address = linux.mmap(null, shared.region_size, linux.PROT.READ | linux.PROT.WRITE, .{ .TYPE = .SHARED }, shared.init_fd, 0);
    if (sys.failed(address)) return null;
    return @ptrFromInt(address);
}

fn fail(f: Failure) noreturn {
    var message: [4]u8 = .{ Status.failed, @intFromEnum(f.step), 0, 0 };
    std.mem.writeInt(u16, message[2..4], f.errno, .little);
    report(&message);
    sys.exit_group(1);
}

fn report(bytes: []const u8) void {
    _ = linux.write(status_fd, bytes.ptr, bytes.len);
}

/// Forks a program for each request, reaps whatever dies; ends when the tracer hangs up.
fn serve(region: *shared.Region, signals: i32) noreturn {
    var fds = [2]linux.pollfd{
        .{ .fd = control_fd, .events = linux.POLL.IN, .revents = 0 },
        .{ .fd = signals, .events = linux.POLL.IN, .revents = 0 },
    };
    while (true) {
        if (sys.failed(linux.poll(&fds, fds.len, -1))) continue;
        if (fds[1].revents != 0) {
            drain(signals);
            reap();
        }
        if (fds[0].revents == 0) continue;
        var indices: [64]u32 = undefined;
        const got = linux.read(control_fd, @ptrCast(&indices), @sizeOf(@TypeOf(indices)));
        if (sys.failed(got)) continue;
        if (got == 0) sys.exit_group(0); // the tracer is gone: so is the host
        assert(got % 4 == 0); // 4-byte pipe writes are atomic
        for (indices[0 .. got / 4]) |index| start(region, index);
    }
}

/// Forks request `index`'s program. The child works on a private copy of the spec, so the
/// tracer may reuse the slot as soon as it sees the fork.
fn start(region: *shared.Region, index: u32) void {
    if (index >= shared.slot_count) return; // a tracer bug; there is no one to tell
    const slot = &region.slots[index];
    const len = slot.len;
    if (len == 0 or len > shared.spec_size_max) return report_fork_failure(slot, @intFromEnum(linux.E.INVAL));
    const copy = linux.mmap(null, len, linux.PROT.READ | linux.PROT.WRITE, .{ .TYPE = .PRIVATE, .ANONYMOUS = true }, -1, 0);
    if (sys.failed(copy)) return report_fork_failure(slot, sys.errno(copy));
    defer _ = linux.munmap(@ptrFromInt(copy), len);
    const spec: [*]u8 = @ptrFromInt(copy);
    @memcpy(spec[0..len], slot.bytes[0..len]);
    const program = region.program();
    const pid = linux.fork();
    if (pid == 0) spawn.child(spec[0..len], &program);
    if (sys.failed(pid)) report_fork_failure(slot, sys.errno(pid));
}

/// The tracer learns of a failed fork at a SIGUSR1 delivery stop of init's (which it swallows).
fn report_fork_failure(slot: *shared.Slot, errno: u16) void {
    @atomicStore(i32, &slot.fork_errno, errno, .seq_cst);
    const usr1: u64 = @as(u64, 1) << (sys.SIGUSR1 - 1);
    _ = sys.tgkill(sys.getpid(), sys.getpid(), sys.SIGUSR1);
    const all_but_usr1: u64 = std.math.maxInt(u64) & ~usr1;
    const all: u64 = std.math.maxInt(u64);
    _ = sys.rt_sigprocmask(sys.SIG_SETMASK, &all_but_usr1, null);
    _ = sys.rt_sigprocmask(sys.SIG_SETMASK, &all, null);
}

fn drain(signals: i32) void {
    var records: [16]linux.signalfd_siginfo = undefined;
    while (true) {
        const got = linux.read(signals, @ptrCast(&records), @sizeOf(@TypeOf(records)));
        if (sys.failed(got) or got < @sizeOf(@TypeOf(records))) return;
    }
}

fn reap() void {
    var status: u32 = 0;
    while (true) {
        const rc = sys.wait4(-1, &status, sys.WNOHANG | WALL, null);
        if (sys.failed(rc) or rc == 0) return;
    }
}
