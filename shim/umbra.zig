//! libumbra: the controller library Deno loads with dlopen. Mechanism only: it traces, stops,
//! reads, writes and resumes; every decision comes from the TypeScript policy.

const std = @import("std");
const linux = std.os.linux;
const protocol = @import("protocol.zig");
const Message = protocol.Message;
const seccomp = @import("seccomp.zig");
const sys = @import("sys.zig");
const Controller = @import("controller.zig").Controller;
const tracer = @import("tracer.zig");
const memory = @import("memory.zig");
const clock = @import("clock.zig");

/// Bumped whenever an exported signature or the Message layout changes.
const abi_version: u32 = 17;

export fn umbra_abi_version() u32 {
    return abi_version;
}

export fn umbra_message_size() u32 {
    return @sizeOf(Message);
}

/// Starts a controller whose programs trace the syscalls the `rules` select (seccomp.zig gives
/// the encoding; `word_count` u32 words). `options`: Controller.Options as bits (bit 0: virtual
/// time, with the clock starting at `epoch_ns` and `read_cost_ns` per read; bit 1: trace
/// everything; bit 2: seeded randomness). Returns null on
/// failure (bad rules, no memory).
export fn umbra_open(rules: [*]const u32, word_count: u32, options: u32, epoch_ns: u64, read_cost_ns: u64) ?*Controller {
    if (word_count > seccomp.rules_words_max) return null;
    const controller = Controller.create(std.heap.page_allocator, rules[0..word_count], @bitCast(options), epoch_ns, read_cost_ns) catch return null;
    controller.thread = std.Thread.spawn(.{ .stack_size = 1024 * 1024 }, tracer.run, .{controller}) catch {
        controller.destroy();
        return null;
    };
    return controller;
}

/// The virtual clock now (ns since start), or 0 in real time.
export fn umbra_clock_now(controller: *Controller) u64 {
    const region = controller.clock_region orelse return 0;
    return region.now_ns.load(.seq_cst);
}

/// A clock read by the policy: the time, then the clock moves on by the read cost.
export fn umbra_clock_read(controller: *Controller) u64 {
    return clock.read(controller.clock_region orelse return 0);
}

/// Moves the virtual clock to `time` (never back).
export fn umbra_clock_advance(controller: *Controller, time: u64) void {
    clock.advance_to(controller.clock_region orelse return, time);
}

/// Copies up to `capacity` events into `out`, waiting up to `timeout_ms` for the first.
/// Returns the count (0: timeout or interrupt), or -1 once the controller has closed.
export fn umbra_next_events(controller: *Controller, out: [*]Message, capacity: u32, timeout_us: u32) i32 {
    std.debug.assert(capacity > 0);
    return controller.next_events(out[0..capacity], @as(u64, timeout_us) * std.time.ns_per_us);
}

/// Queues `count` replies and acknowledges every event delivered so far. Call it after each
/// batch, even with no replies. Returns 0, -2 when closed, -3 for an oversized spawn spec.
export fn umbra_submit(controller: *Controller, replies: [*]const Message, count: u32) i32 {
    return controller.submit(replies[0..count]);
}

/// Makes a waiting umbra_next_events return 0 at once. Safe from any thread.
export fn umbra_interrupt(controller: *Controller) void {
    controller.interrupt();
}

/// Kills and reaps every traced process, stops the tracer thread and frees the controller.
/// A waiting umbra_next_events returns -1. The handle is invalid afterwards.
export fn umbra_close(controller: *Controller) void {
    controller.shutdown.store(true, .seq_cst);
    controller.mutex.lock();
    controller.closed = true;
    controller.events_ready.broadcast();
    controller.space_ready.broadcast();
    controller.mutex.unlock();
    if (controller.doorbell_pid > 0) _ = sys.kill(controller.doorbell_pid, sys.SIGUSR1);
    controller.thread.join();
    controller.destroy();
}

/// Reads tracee memory. Returns the byte count read or -errno.
export fn umbra_read_memory(pid: i32, address: u64, buffer: [*]u8, length: u64) i64 {
    return memory.read(pid, address, buffer[0..length]);
}

/// Writes tracee memory. Returns the byte count written or -errno.
export fn umbra_write_memory(pid: i32, address: u64, buffer: [*]const u8, length: u64) i64 {
    return memory.write(pid, address, buffer[0..length]);
}

/// A duplicate, in umbra's process, of descriptor `fd` of process `pid` (pidfd_getfd), or -errno.
/// umbra keeps such duplicates to act on a program's timerfds from outside.
export fn umbra_duplicate_fd(pid: i32, fd: i32) i32 {
    const pidfd = linux.syscall2(.pidfd_open, @bitCast(@as(isize, pid)), 0);
    if (sys.failed(pidfd)) return -@as(i32, sys.errno(pidfd));
    defer _ = linux.close(@intCast(pidfd));
    const copy = linux.syscall3(.pidfd_getfd, pidfd, @bitCast(@as(isize, fd)), 0);
    if (sys.failed(copy)) return -@as(i32, sys.errno(copy));
    return @intCast(copy);
}

/// Arms timerfd `fd` (one of umbra's duplicates) to expire once after `ns` (0 disarms).
export fn umbra_timerfd_arm(fd: i32, ns: u64) i32 {
    const spec = linux.itimerspec{
        .it_interval = .{ .sec = 0, .nsec = 0 },
        .it_value = .{ .sec = @intCast(ns / std.time.ns_per_s), .nsec = @intCast(ns % std.time.ns_per_s) },
    };
    const rc = linux.syscall4(.timerfd_settime, @bitCast(@as(isize, fd)), 0, @intFromPtr(&spec), 0);
    return -@as(i32, sys.errno(rc));
}

/// Closes one of umbra's descriptors.
export fn umbra_close_fd(fd: i32) void {
    _ = linux.close(fd);
}

/// A descriptor of umbra's own for umbra_file_time_mark (a memfd, so no file of anyone's is
/// touched), or -errno.
export fn umbra_file_time_marker() i32 {
    const rc = linux.memfd_create("umbra-file-times", linux.MFD.CLOEXEC);
    if (sys.failed(rc)) return -@as(i32, sys.errno(rc));
    return @intCast(rc);
}

/// Sets `fd`'s times to now and returns its new ctime (ns since the Unix epoch), or null. The
/// statx also asks for the ctime, so that the kernel's next stamp of it is a fine-grained one.
fn stamp(fd: i32) ?i64 {
    if (sys.failed(linux.utimensat(fd, null, null, 0))) return null;
    var status: linux.Statx = undefined;
    if (sys.failed(linux.statx(fd, "", linux.AT.EMPTY_PATH, linux.STATX_CTIME, &status))) return null;
    return status.ctime.sec * std.time.ns_per_s + status.ctime.nsec;
}

/// A boundary in the kernel's file timestamps, taken while the programs it is for are stopped:
/// returns R (ns since the Unix epoch, or -1 when `fd` cannot be stamped) such that every
/// timestamp the kernel gave any file before this call is below R and every one it gives after
/// is R or more. The first stamp is at least any earlier one (the kernel's coarse clock and its
/// floor only move on); the second is later than the first: a fine-grained one, which raises the
/// floor every later stamp starts from (multigrain timestamps, Linux 6.13), or, where there is no
/// floor, the coarse clock after its next tick.
export fn umbra_file_time_mark(fd: i32) i64 {
    while (true) {
        const first = stamp(fd) orelse return -1;
        const second = stamp(fd) orelse return -1;
        if (second > first) return second;
    }
}

/// tgkill for a traced thread (tgid may be 0: kill(tid)). Returns 0 or -errno.
export fn umbra_signal(tgid: i32, tid: i32, signal: i32) i32 {
    const rc = if (tgid == 0) sys.kill(tid, @intCast(signal)) else sys.tgkill(tgid, tid, @intCast(signal));
    return -@as(i32, sys.errno(rc));
}

/// rt_sigqueueinfo (tgid 0: to process `tid`) or rt_tgsigqueueinfo with the 128-byte `siginfo`:
/// how umbra sends a signal whose siginfo the kernel would have made (a timer's SI_TIMER).
/// Returns 0 or -errno.
export fn umbra_sigqueue(tgid: i32, tid: i32, signal: i32, siginfo: [*]const u8) i32 {
    const rc = if (tgid == 0)
        linux.syscall3(.rt_sigqueueinfo, @bitCast(@as(isize, tid)), @intCast(signal), @intFromPtr(siginfo))
    else
        linux.syscall4(.rt_tgsigqueueinfo, @bitCast(@as(isize, tgid)), @bitCast(@as(isize, tid)), @intCast(signal), @intFromPtr(siginfo));
    return -@as(i32, sys.errno(rc));
}

/// CPU time (ns) process `pid` has used, all its threads together; -errno when it is gone.
/// The deterministic scheduler's slices count this, not real time: a thread waiting for a CPU
/// the machine's load took has not used its slice.
export fn umbra_cpu_ns(pid: i32) i64 {
    const cpu_clock_sched = 2;
    const id: i32 = (~pid << 3) | cpu_clock_sched;
    var now: linux.timespec = undefined;
    const rc = linux.syscall2(.clock_gettime, @bitCast(@as(isize, id)), @intFromPtr(&now));
    if (sys.failed(rc)) return -@as(i64, sys.errno(rc));
    return @as(i64, now.sec) * std.time.ns_per_s + now.nsec;
}

/// Whether each of the `count` threads at `tids` is asleep in the kernel (state S or D in
/// /proc/<tid>/stat). Stops at the first that is not (or is gone). The deterministic scheduler
/// asks this before every choice, of every thread it resumed into a call that may sleep: read
/// here, a thread costs three syscalls, where reading it from the policy costs ~19 µs.
export fn umbra_asleep(tids: [*]const i32, count: u32) bool {
    for (tids[0..count]) |tid| {
        if (!thread_asleep(tid)) return false;
    }
    return true;
}

fn thread_asleep(tid: i32) bool {
    var buffer: [512]u8 = undefined;
    return stat_asleep(sys.read_proc(tid, "stat", &buffer) orelse return false);
}

/// The state letter follows the last ')' (the command name may hold any byte, ')' too).
fn stat_asleep(stat: []const u8) bool {
    const close = std.mem.lastIndexOfScalar(u8, stat, ')') orelse return false;
    if (close + 2 >= stat.len) return false;
    const state = stat[close + 2];
    return state == 'S' or state == 'D';
}

test "a /proc stat line's state" {
    try std.testing.expect(stat_asleep("12 (sh) S 1 12 12 0"));
    try std.testing.expect(stat_asleep("12 (a) b) D 1"));
    try std.testing.expect(!stat_asleep("12 (a) S) R 1"));
    try std.testing.expect(!stat_asleep("12 (sh) t 1"));
    try std.testing.expect(!stat_asleep("12 (sh)"));
}

test {
    _ = @import("ring.zig");
    _ = @import("tracer.zig");
    _ = @import("seccomp.zig");
    _ = @import("tracees.zig");
    _ = @import("spawn.zig");
    _ = @import("hosts.zig");
    _ = @import("random.zig");
}
