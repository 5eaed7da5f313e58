//! A run's hosts, each a pid namespace (with mount, UTS, IPC and user namespaces) whose pid 1
//! is umbra-init. Tracer thread only: it creates a host's init the first time a spawn names it,
//! seizes it, and hands it requests; init's fork events name the new programs.

const std = @import("std");
const assert = std.debug.assert;
const linux = std.os.linux;
const sys = @import("sys.zig");
const init = @import("init.zig");
const shared = @import("shared.zig");
const clock = @import("clock.zig");
const random = @import("random.zig");

pub const host_count_max = 1024;

/// The init executable, built for this library (build.zig).
const init_image = @embedFile("umbra_init");

pub const Host = struct {
    /// init's pid (as the tracer sees it); 0 until created, -1 once it failed or ended.
    init_pid: sys.pid_t = 0,
    /// Requests go here (init's `control_fd`).
    control_fd: i32 = -1,
    /// Which NSpid field of /proc/<pid>/status holds an id in this host's namespace.
    nspid_index: u8 = 0,
    /// Why it could not be made, or that its init ended (when `init_pid` is -1).
    failure: Failure = .{ .step = "the host's init has ended", .errno = @intFromEnum(linux.E.SRCH) },
    /// Spawn slots sent to init, in order; its fork events take them in the same order.
    pending: [shared.slot_count]u8 = undefined,
    pending_count: u8 = 0,
    /// Seeded: umbra's end of the FIFO init binds over /dev/urandom and /dev/random (the
    /// feeder's from then on), else -1.
    random_fd: i32 = -1,

    pub fn push_pending(host: *Host, slot: u8) void {
        assert(host.pending_count < host.pending.len);
        host.pending[host.pending_count] = slot;
        host.pending_count += 1;
    }

    pub fn pop_pending(host: *Host) ?u8 {
        if (host.pending_count == 0) return null;
        const first = host.pending[0];
        std.mem.copyForwards(u8, host.pending[0 .. host.pending_count - 1], host.pending[1..host.pending_count]);
        host.pending_count -= 1;
        return first;
    }
};

/// Why a host could not be made: which step, and the errno.
pub const Failure = struct {
    step: []const u8,
    errno: u16,
};

/// What host creation needs from the controller.
pub const Resources = struct {
    shared_fd: i32,
    clock_fd: i32,
    image_fd: i32,
};

/// The memfd holding init's executable, sealed.
pub fn create_image() !i32 {
    const rc = linux.memfd_create("umbra-init", linux.MFD.CLOEXEC | linux.MFD.ALLOW_SEALING);
    if (sys.failed(rc)) return error.MemfdFailed;
    const fd: i32 = @intCast(rc);
    errdefer _ = linux.close(fd);
    var written: usize = 0;
    while (written < init_image.len) {
        const n = linux.write(fd, init_image[written..].ptr, init_image.len - written);
        if (sys.failed(n)) return error.WriteFailed;
        written += n;
    }
    const F_ADD_SEALS = 1033;
    const seals = 0x1 | 0x2 | 0x4 | 0x8; // SEAL, SHRINK, GROW, WRITE
    _ = linux.fcntl(fd, F_ADD_SEALS, seals);
    return fd;
}

const CLONE_NEWNS = 0x00020000;
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWIPC = 0x08000000;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWPID = 0x20000000;

/// Creates the host's init and waits (briefly) until it serves requests; seizing it is the
/// caller's. On failure nothing of it is left.
pub fn create(host: *Host, resources: Resources, seeded: bool) ?Failure {
    assert(host.init_pid == 0);
    // Seeded: a FIFO for init to bind over /dev/urandom and /dev/random, named only until init
    // has bound it.
    var fifo_name: [64]u8 = undefined;
    const fifo: ?[*:0]const u8 = if (seeded) make_fifo(&fifo_name) else null;
    if (seeded and fifo == null) return .{ .step = "random device (mkfifo in /tmp)", .errno = @intFromEnum(linux.E.IO) };
    defer if (fifo) |path| {
        _ = linux.unlink(path);
    };
    var random_fd: i32 = -1;
    if (fifo) |path| {
        const opened = linux.open(path, .{ .ACCMODE = .RDWR, .NONBLOCK = true, .CLOEXEC = true }, 0);
        if (sys.failed(opened)) return .{ .step = "random device (open)", .errno = sys.errno(opened) };
        random_fd = @intCast(opened);
        const F_SETPIPE_SZ = 1031;
        _ = linux.fcntl(random_fd, F_SETPIPE_SZ, random.pipe_size);
    }
    const mode: init.Mode = if (linux.geteuid() == 0) .root else .user;
    var control: [2]i32 = undefined;
    var status: [2]i32 = undefined;
    const made_control = linux.pipe2(&control, .{ .CLOEXEC = true });
    if (sys.failed(made_control)) {
        if (random_fd >= 0) _ = linux.close(random_fd);
        return .{ .step = "pipe", .errno = sys.errno(made_control) };
    }
    const made_status = linux.pipe2(&status, .{ .CLOEXEC = true });
    if (sys.failed(made_status)) {
        close_pair(control);
        if (random_fd >= 0) _ = linux.close(random_fd);
        return .{ .step = "pipe", .errno = sys.errno(made_status) };
    }
    defer _ = linux.close(status[0]);
    defer _ = linux.close(control[0]);
    var flags: usize = CLONE_NEWPID | CLONE_NEWNS;
    if (mode == .user) flags |= CLONE_NEWUSER | CLONE_NEWUTS | CLONE_NEWIPC;
    // Exit signal 0, like every process of umbra's: its process never gets SIGCHLD for them.
    const bounding_set = read_bounding_set();
    const rc = linux.syscall5(.clone, flags, 0, 0, 0, 0);
    if (rc == 0) {
        _ = linux.close(control[1]);
        _ = linux.close(status[0]);
        start_init(mode, control[0], status[1], resources, bounding_set, fifo);
    }
    _ = linux.close(status[1]);
    if (sys.failed(rc)) {
        _ = linux.close(control[1]);
        if (random_fd >= 0) _ = linux.close(random_fd);
        return .{ .step = "clone", .errno = sys.errno(rc) };
    }
    const pid: sys.pid_t = @intCast(rc);
    if (set_up(pid, mode, control[1], status[0])) |failure| {
        _ = linux.close(control[1]);
        _ = sys.kill(pid, sys.SIGKILL);
        var ignored: u32 = 0;
        _ = sys.wait4(pid, &ignored, sys.WALL, null);
        if (random_fd >= 0) _ = linux.close(random_fd);
        return failure;
    }
    if (fifo) |path| {
        // Bound now, so its name can go; everyone may read (and write) it, as /dev/urandom.
        _ = linux.unlink(path);
        _ = linux.fchmod(random_fd, 0o666);
    }
    host.* = .{ .init_pid = pid, .control_fd = control[1], .nspid_index = nspid_depth(pid), .random_fd = random_fd };
    return null;
}

fn close_pair(pair: [2]i32) void {
    _ = linux.close(pair[0]);
    _ = linux.close(pair[1]);
}

/// The tracer's side of init's set-up: id maps, then init's progress on the status pipe.
fn set_up(pid: sys.pid_t, mode: init.Mode, control: i32, status: i32) ?Failure {
    if (mode == .user) {
        if (write_maps(pid, .user)) |failure| return failure;
        if (linux.write(control, &[_]u8{init.go}, 1) != 1) return .{ .step = "start init", .errno = @intFromEnum(linux.E.PIPE) };
    }
    while (true) {
        var byte: [1]u8 = undefined;
        if (!read_within(status, &byte)) return ended(pid);
        switch (byte[0]) {
            init.Status.ready => return null,
            init.Status.needs_maps => {
                if (write_maps(pid, .root)) |failure| return failure;
                if (linux.write(control, &[_]u8{init.go}, 1) != 1) return .{ .step = "start init", .errno = @intFromEnum(linux.E.PIPE) };
            },
            init.Status.failed => {
                var detail: [3]u8 = undefined;
                if (!read_within(status, detail[0..1]) or !read_within(status, detail[1..3])) {
                    return .{ .step = "start init", .errno = @intFromEnum(linux.E.PIPE) };
                }
                const step: init.Step = std.meta.intToEnum(init.Step, detail[0]) catch .signals;
                return .{ .step = @tagName(step), .errno = std.mem.readInt(u16, detail[1..3], .little) };
            },
            else => return .{ .step = "start init", .errno = @intFromEnum(linux.E.PROTO) },
        }
    }
}

/// init stopped answering: it ended (its exit code says how far it got: `start_init`), or hangs.
fn ended(pid: sys.pid_t) Failure {
    var status: u32 = 0;
    if (sys.wait4(pid, &status, sys.WALL | sys.WNOHANG, null) == pid and linux.W.IFEXITED(status)) {
        return .{ .step = "start init (it exited)", .errno = @intCast(linux.W.EXITSTATUS(status)) };
    }
    return .{ .step = "start init (no answer)", .errno = @intFromEnum(linux.E.TIMEDOUT) };
}

/// Reads exactly `out.len` bytes, waiting at most 10 s in all; false on EOF or timeout.
fn read_within(fd: i32, out: []u8) bool {
    var got: usize = 0;
    while (got < out.len) {
        var poll_fd = [1]linux.pollfd{.{ .fd = fd, .events = linux.POLL.IN, .revents = 0 }};
        const ready = linux.poll(&poll_fd, 1, 10_000);
        if (sys.errno(ready) == @intFromEnum(linux.E.INTR)) continue;
        if (sys.failed(ready) or ready == 0) return false;
        const n = linux.read(fd, out[got..].ptr, out.len - got);
        if (sys.errno(n) == @intFromEnum(linux.E.INTR)) continue;
        if (sys.failed(n) or n == 0) return false;
        got += n;
    }
    return true;
}

/// User mode: umbra's own uid and gid, mapped to themselves. Root mode: every id to itself.
fn write_maps(pid: sys.pid_t, mode: init.Mode) ?Failure {
    var line: [64]u8 = undefined;
    if (mode == .user) {
        if (write_proc(pid, "setgroups", "deny")) |errno| return .{ .step = "setgroups", .errno = errno };
        const uid = linux.getuid();
        const gid = linux.getgid();
        if (write_proc(pid, "uid_map", std.fmt.bufPrint(&line, "{d} {d} 1", .{ uid, uid }) catch unreachable)) |errno| {
            return .{ .step = "uid_map", .errno = errno };
        }
        if (write_proc(pid, "gid_map", std.fmt.bufPrint(&line, "{d} {d} 1", .{ gid, gid }) catch unreachable)) |errno| {
            return .{ .step = "gid_map", .errno = errno };
        }
        return null;
    }
    if (write_proc(pid, "uid_map", "0 0 4294967295")) |errno| return .{ .step = "uid_map", .errno = errno };
    if (write_proc(pid, "gid_map", "0 0 4294967295")) |errno| return .{ .step = "gid_map", .errno = errno };
    return null;
}

fn write_proc(pid: sys.pid_t, name: []const u8, text: []const u8) ?u16 {
    var path_buffer: [64]u8 = undefined;
    const path = std.fmt.bufPrintZ(&path_buffer, "/proc/{d}/{s}", .{ pid, name }) catch unreachable;
    const fd = linux.open(path, .{ .ACCMODE = .WRONLY, .CLOEXEC = true }, 0);
    if (sys.failed(fd)) return sys.errno(fd);
    defer _ = linux.close(@intCast(fd));
    const written = linux.write(@intCast(fd), text.ptr, text.len);
    if (sys.failed(written)) return sys.errno(written);
    return null;
}

const AT_EMPTY_PATH = 0x1000;
const PR_SET_PDEATHSIG = 1;
const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_RAISE = 2;
const CAP_SYS_ADMIN = 21;
const CAP_SETPCAP = 8;
const PR_CAPBSET_READ = 23;

/// The capability bounding set umbra runs with (read before the clone: a user namespace
/// starts with a full one).
fn read_bounding_set() u64 {
    var mask: u64 = 0;
    for (0..64) |cap| {
        if (sys.prctl(PR_CAPBSET_READ, cap) == 1) mask |= @as(u64, 1) << @intCast(cap);
    }
    return mask;
}
/// Where the child parks descriptors while it moves them to their fixed numbers.
const parking_fd = 900;

/// The clone child: fixed descriptors, the go-ahead (user mode), then init's image. Runs in a
/// copy of the multi-threaded controller process: raw syscalls only.
fn start_init(mode: init.Mode, control: i32, status: i32, resources: Resources, bounding_set: u64, fifo: ?[*:0]const u8) noreturn {
    // Were the tracer gone already (getppid says nothing here: the parent is outside the new
    // namespace), the control pipe's end at EOF stops init all the same.
    _ = sys.prctl(PR_SET_PDEATHSIG, sys.SIGKILL);
    const sources = [_]i32{ control, status, resources.shared_fd, resources.image_fd, resources.clock_fd };
    const targets = [_]i32{ init.control_fd, init.status_fd, shared.init_fd, image_fd, clock.program_fd };
    // Two steps, so that no source is overwritten before it is moved: each goes first to the
    // lowest free descriptor from `parking_fd` up.
    var parked: [sources.len]i32 = undefined;
    for (sources, 0..) |source, i| {
        parked[i] = -1;
        if (source < 0) continue;
        const rc = linux.fcntl(source, linux.F.DUPFD, parking_fd);
        if (sys.failed(rc)) sys.exit_group(2);
        parked[i] = @intCast(rc);
    }
    for (parked, targets) |from, target| {
        if (from >= 0 and sys.failed(linux.dup2(from, target))) sys.exit_group(2);
    }
    _ = linux.syscall3(.close_range, image_fd + 1, clock.program_fd - 1, 0);
    _ = linux.syscall3(.close_range, clock.program_fd + 1, std.math.maxInt(u32), 0);
    _ = linux.fcntl(image_fd, linux.F.SETFD, linux.FD_CLOEXEC);
    if (mode == .user) {
        var answer: u8 = 0;
        if (linux.read(init.control_fd, @ptrCast(&answer), 1) != 1 or answer != init.go) sys.exit_group(3);
        // init's uid is not 0: it keeps CAP_SYS_ADMIN (in its namespace) across execve this way.
        var header: linux.cap_user_header_t = .{ .version = 0x20080522, .pid = 0 };
        var data: [2]linux.cap_user_data_t = undefined;
        if (!sys.failed(linux.capget(&header, &data[0]))) {
            data[0].inheritable |= (1 << CAP_SYS_ADMIN) | (1 << CAP_SETPCAP);
            _ = linux.capset(&header, &data[0]);
        }
        _ = sys.prctl3(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN);
        _ = sys.prctl3(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SETPCAP);
    }
    var bounding_text: [24:0]u8 = undefined;
    const bounding = (std.fmt.bufPrintZ(&bounding_text, "{x}", .{bounding_set}) catch unreachable).ptr;
    const argv = [_:null]?[*:0]const u8{ "umbra-init", if (mode == .root) "root" else "user", bounding, fifo };
    const envp = [_:null]?[*:0]const u8{};
    const rc = linux.syscall5(.execveat, @intCast(image_fd), @intFromPtr(""), @intFromPtr(&argv), @intFromPtr(&envp), AT_EMPTY_PATH);
    sys.exit_group(sys.errno(rc));
}

const image_fd: i32 = 6;

var fifo_counter: std.atomic.Value(u32) = .init(0);

/// A new FIFO, mode 0600, at a fresh name in /tmp (written into `buffer`); null if none could
/// be made.
fn make_fifo(buffer: []u8) ?[*:0]const u8 {
    const S_IFIFO = 0o010000;
    const AT_FDCWD: usize = @bitCast(@as(isize, -100));
    for (0..16) |_| {
        var nonce: u32 = 0;
        _ = linux.getrandom(std.mem.asBytes(&nonce), 4, 0);
        const path = std.fmt.bufPrintZ(buffer, "/tmp/.umbra-random-{d}-{d}-{x}", .{ sys.getpid(), fifo_counter.fetchAdd(1, .monotonic), nonce }) catch return null;
        const rc = linux.syscall4(.mknodat, AT_FDCWD, @intFromPtr(path.ptr), S_IFIFO | 0o600, 0);
        if (!sys.failed(rc)) return path.ptr;
        if (sys.errno(rc) != @intFromEnum(linux.E.EXIST)) return null;
    }
    return null;
}

/// How many pid namespaces /proc's NSpid lists for init before the host's own (whose id is 1).
fn nspid_depth(pid: sys.pid_t) u8 {
    var ids: [8]sys.pid_t = undefined;
    const count = read_nspid(pid, &ids);
    return if (count > 0) @intCast(count - 1) else 1;
}

/// The ids of thread `tid` in each pid namespace, outermost first (/proc/<tid>/status NSpid).
/// Returns how many it read (0: gone).
pub fn read_nspid(tid: sys.pid_t, out: []sys.pid_t) usize {
    var buffer: [4096]u8 = undefined;
    const text = sys.read_proc(tid, "status", &buffer) orelse return 0;
    const start = std.mem.indexOf(u8, text, "\nNSpid:") orelse return 0;
    const end = std.mem.indexOfScalarPos(u8, text, start + 1, '\n') orelse text.len;
    var fields = std.mem.tokenizeAny(u8, text[start + "\nNSpid:".len .. end], " \t");
    var count: usize = 0;
    while (fields.next()) |field| {
        if (count == out.len) break;
        out[count] = std.fmt.parseInt(sys.pid_t, field, 10) catch return 0;
        count += 1;
    }
    return count;
}

/// Thread `tid`'s id in `host`'s namespace (0: gone).
pub fn inner_id(host: *const Host, tid: sys.pid_t) sys.pid_t {
    var ids: [16]sys.pid_t = undefined;
    const count = read_nspid(tid, &ids);
    return if (count > host.nspid_index) ids[host.nspid_index] else 0;
}

test "pending slots leave in the order they came" {
    var host: Host = .{};
    host.push_pending(3);
    host.push_pending(5);
    try std.testing.expectEqual(@as(?u8, 3), host.pop_pending());
    try std.testing.expectEqual(@as(?u8, 5), host.pop_pending());
    try std.testing.expectEqual(@as(?u8, null), host.pop_pending());
}
