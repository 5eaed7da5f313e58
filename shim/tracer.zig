//! The tracer thread: spawns programs, owns every ptrace request, turns wait4 results into
//! events and applies the policy's replies. It never blocks on the policy: stopped tracees wait
//! for their replies while it keeps serving the others.

const std = @import("std");
const assert = std.debug.assert;
const linux = std.os.linux;
const protocol = @import("protocol.zig");
const Message = protocol.Message;
const Event = protocol.Event;
const Reply = protocol.Reply;
const sys = @import("sys.zig");
const shared = @import("shared.zig");
const hosts = @import("hosts.zig");
const Controller = @import("controller.zig").Controller;
const tracees = @import("tracees.zig");
const Tracee = tracees.Tracee;
const memory = @import("memory.zig");
const seccomp = @import("seccomp.zig");
const auxv = @import("auxv.zig");
const clock = @import("clock.zig");

/// Every host's init is seized with these; the programs it forks inherit them (and the seizing:
/// their group stops can be listened to).
const options: usize = sys.PTRACE_O.TRACESYSGOOD | sys.PTRACE_O.TRACEFORK | sys.PTRACE_O.TRACEVFORK |
    sys.PTRACE_O.TRACECLONE | sys.PTRACE_O.TRACEEXEC | sys.PTRACE_O.TRACESECCOMP | sys.PTRACE_O.EXITKILL;

const wait_flags = sys.WALL | sys.WNOTHREAD;
/// How long the tracer waits for the policy to acknowledge a batch before sleeping in wait4.
/// Fast replies then need no doorbell; deferred ones cost nothing extra.
const acknowledge_wait_ns = 2 * std.time.ns_per_ms;
const reply_batch_max = 256;

pub fn run(c: *Controller) void {
    const all: u64 = std.math.maxInt(u64);
    // Deno's signals must go to Deno's own threads, never interrupt this one.
    _ = sys.rt_sigprocmask(sys.SIG_BLOCK, &all, null);
    start_doorbell(c) catch |err| {
        publish_error(c, "cannot start the doorbell process: {s}", .{@errorName(err)});
        mark_closed(c);
        return;
    };
    while (!c.shutdown.load(.acquire)) {
        apply_replies(c);
        const produced = drain_ready(c);
        if (produced.awaiting) {
            // A thread waits for its reply, which usually comes within microseconds: wait for
            // it here rather than sleep and be woken by the doorbell. A batch of news only
            // goes on to poll_briefly, which takes both new stops and replies (a child's exit
            // can complete a parked parent's wait).
            wait_for_acknowledgement(c);
            continue;
        }
        if (produced.count > 0) continue;
        if (poll_briefly(c)) continue;
        c.sleeping.store(true, .seq_cst);
        if (pending_replies(c) or c.shutdown.load(.seq_cst)) {
            c.sleeping.store(false, .seq_cst);
            continue;
        }
        var status: u32 = 0;
        const rc = sys.wait4(-1, &status, wait_flags, null);
        c.sleeping.store(false, .seq_cst);
        if (!sys.failed(rc)) on_wait(c, @intCast(rc), status);
        flush(c);
    }
    kill_everything(c);
    mark_closed(c);
}

/// Polls for a ready tracee for a short while before sleeping: a tracee that was just resumed
/// often stops again within microseconds, and waking a sleeping thread on an idle vCPU costs
/// far more than that. Returns true when there is something to do.
fn poll_briefly(c: *Controller) bool {
    var timer = std.time.Timer.start() catch return false;
    while (timer.read() < poll_ns) {
        var status: u32 = 0;
        const rc = sys.wait4(-1, &status, wait_flags | sys.WNOHANG, null);
        if (!sys.failed(rc) and rc != 0) {
            on_wait(c, @intCast(rc), status);
            flush(c);
            return true;
        }
        if (pending_replies(c) or c.shutdown.load(.acquire)) return true;
        // Yield rather than spin: on a single CPU the tracee must get to run.
        _ = linux.syscall0(.sched_yield);
    }
    return false;
}

/// How long the tracer polls before it sleeps in wait4.
const poll_ns = 50 * std.time.ns_per_us;

fn pending_replies(c: *Controller) bool {
    c.mutex.lock();
    defer c.mutex.unlock();
    return c.replies.count() > 0;
}

/// What drain_ready published: how many events, and whether a thread waits for a reply.
const Produced = struct { count: u32, awaiting: bool };

/// Collects every wait4 result that is ready now.
fn drain_ready(c: *Controller) Produced {
    var status: u32 = 0;
    while (true) {
        const rc = sys.wait4(-1, &status, wait_flags | sys.WNOHANG, null);
        if (sys.failed(rc) or rc == 0) break;
        on_wait(c, @intCast(rc), status);
    }
    if (c.sync_requested) {
        c.sync_requested = false;
        publish(c, event(Event.synced, 0));
    }
    const produced: Produced = .{ .count = c.unflushed, .awaiting = c.unflushed_awaiting };
    flush(c);
    return produced;
}

fn flush(c: *Controller) void {
    if (c.unflushed == 0) return;
    c.unflushed = 0;
    c.unflushed_awaiting = false;
    c.mutex.lock();
    c.events_ready.broadcast();
    c.mutex.unlock();
}

fn wait_for_acknowledgement(c: *Controller) void {
    var timer = std.time.Timer.start() catch return;
    while (true) {
        const acknowledged = c.acknowledged.load(.seq_cst);
        if (@as(i32, @bitCast(c.published -% acknowledged)) <= 0) return;
        const elapsed = timer.read();
        if (elapsed >= acknowledge_wait_ns or c.shutdown.load(.acquire)) return;
        sys.futex_wait(&c.acknowledged, acknowledged, acknowledge_wait_ns - elapsed);
    }
}

fn publish(c: *Controller, message: Message) void {
    c.mutex.lock();
    defer c.mutex.unlock();
    // Backpressure: a full ring means the policy is behind; wait for it rather than drop.
    while (c.events.free() == 0 and !c.closed) {
        c.events_ready.broadcast();
        c.space_ready.wait(&c.mutex);
    }
    if (c.closed) return;
    var stamped = message;
    if (c.clock_region) |region| stamped.time = region.now_ns.load(.seq_cst);
    c.events.push_assume_capacity(stamped);
    c.published +%= 1;
    c.unflushed += 1;
    if (awaits_reply(c, &stamped)) c.unflushed_awaiting = true;
}

/// Whether the thread of `message` stays stopped until the policy replies. Under deterministic
/// scheduling every stop of a program's thread does: the policy decides who runs.
fn awaits_reply(c: *const Controller, message: *const Message) bool {
    return switch (message.kind) {
        Event.syscall, Event.signal => message.aux2 != protocol.observed,
        Event.syscall_exit, Event.interrupted => true,
        Event.exec => message.aux2 != 0 or c.options.deterministic,
        Event.fork, Event.vfork, Event.clone, Event.continued => c.options.deterministic,
        else => false,
    };
}

fn publish_error(c: *Controller, comptime format: []const u8, args: anytype) void {
    var message = Message.zero;
    message.kind = Event.protocol_error;
    _ = std.fmt.bufPrint(message.payload[0 .. message.payload.len - 1], format, args) catch {};
    publish(c, message);
}

fn event(kind: u32, tid: sys.pid_t) Message {
    var message = Message.zero;
    message.kind = kind;
    message.tid = tid;
    return message;
}

fn on_wait(c: *Controller, pid: sys.pid_t, status: u32) void {
    if (pid == c.doorbell_pid) return on_doorbell(c, status);
    if (linux.W.IFEXITED(status) or linux.W.IFSIGNALED(status)) {
        const gone = c.table.get(pid);
        const init_of: ?u16 = if (gone) |tracee| (if (tracee.is_init) tracee.host else null) else null;
        c.table.remove(pid);
        if (init_of) |host| return on_init_ended(c, host);
        var message = event(Event.exited, pid);
        message.value = status;
        return publish(c, message);
    }
    if (!linux.W.IFSTOPPED(status)) return;
    const tracee = c.table.get(pid) orelse return on_unclaimed_first_stop(c, pid);
    if (tracee.is_init) return on_init_stop(c, tracee, status);
    switch (tracee.birth) {
        .born => on_stop(c, tracee, status),
        .claimed => release_child(tracee),
        .unclaimed => {}, // held already; a second stop cannot come
    }
}

/// The first stop of a thread or process the kernel attached because its creator is traced,
/// before the creator's fork event: hold it there until that event has told the policy of it.
fn on_unclaimed_first_stop(c: *Controller, pid: sys.pid_t) void {
    if (c.shutdown.load(.acquire)) return kill_and_release(pid);
    const tracee = c.table.insert(pid) catch {
        // Over the bound: the creator already got its pid, so the new one cannot be refused.
        publish_error(c, "more than {d} live traced threads; killing {d}", .{ tracees.count_max, pid });
        return kill_and_release(pid);
    };
    tracee.birth = .unclaimed;
    tracee.stop = .other;
}

fn kill_and_release(pid: sys.pid_t) void {
    _ = sys.kill(pid, sys.SIGKILL);
    _ = sys.ptrace(sys.PTRACE.CONT, pid, 0, 0);
}

/// The creator's fork event: the child belongs to the creator's host; it runs once it has
/// stopped for the first time (now, if it already has), unless `hold`: then it waits there for
/// the policy's reply.
fn claim_child(c: *Controller, host: u16, child_tid: sys.pid_t, hold: bool) ?*Tracee {
    const child = c.table.get(child_tid) orelse inserted: {
        const new = c.table.insert(child_tid) catch {
            publish_error(c, "more than {d} live traced threads; killing {d}", .{ tracees.count_max, child_tid });
            _ = sys.kill(child_tid, sys.SIGKILL);
            return null;
        };
        new.birth = .claimed;
        break :inserted new;
    };
    child.host = host;
    if (hold) return hold_first_stop(c, child);
    if (child.birth == .unclaimed) release_child(child);
    return child;
}

/// Keeps a new child at its first stop (waiting for it if it has not come yet: it comes at
/// once). Null when it died before it.
fn hold_first_stop(c: *Controller, child: *Tracee) ?*Tracee {
    if (child.birth == .claimed) {
        var status: u32 = 0;
        const rc = sys.wait4(child.tid, &status, wait_flags, null);
        if (sys.failed(rc)) return null;
        if (!linux.W.IFSTOPPED(status)) {
            on_wait(c, child.tid, status);
            return null;
        }
    }
    child.birth = .born;
    child.stop = .other;
    return child;
}

/// A new child at its first stop (PTRACE_EVENT_STOP), its creator's event seen: let it run.
fn release_child(child: *Tracee) void {
    child.birth = .born;
    child.stop = .running;
    _ = sys.ptrace(sys.PTRACE.CONT, child.tid, 0, 0);
}

/// A creator's fork, vfork or clone event: the policy hears of the child (its virtual id, the
/// flags it was made with) before any event of the child's own.
fn on_creation(c: *Controller, creator: *Tracee, ptrace_event: u32) void {
    const child_tid: sys.pid_t = @intCast(event_message(creator.tid));
    const kind: u32 = switch (ptrace_event) {
        sys.PTRACE_EVENT.FORK => Event.fork,
        sys.PTRACE_EVENT.VFORK => Event.vfork,
        else => Event.clone,
    };
    var message = event(kind, creator.tid);
    message.aux = child_tid;
    message.aux2 = hosts.inner_id(&c.hosts[creator.host], child_tid);
    if (read_registers(creator)) {
        const r = &creator.registers;
        message.args = .{ r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9 };
        message.value = @bitCast(clone_flags(creator.tid, r));
    }
    publish(c, message);
    _ = claim_child(c, creator.host, child_tid, c.options.deterministic);
    if (!c.options.deterministic) resume_tracee(creator, 0, 0);
}

const clone3_nr = 435;
const SIGCHLD = 17;
const CLONE_VM = 0x100;
const CLONE_VFORK = 0x4000;

/// The clone flags a creation asked for, exit signal in the low byte.
fn clone_flags(tid: sys.pid_t, r: *const sys.Registers) u64 {
    return switch (r.orig_rax) {
        @intFromEnum(linux.SYS.fork) => SIGCHLD,
        @intFromEnum(linux.SYS.vfork) => CLONE_VM | CLONE_VFORK | SIGCHLD,
        clone3_nr => {
            // struct clone_args: flags at 0, exit_signal at 32. The kernel has copied them, and
            // the creator is stopped; a sibling thread changing them now changes nothing.
            var args: [5]u64 = undefined;
            if (memory.read(tid, r.rdi, std.mem.asBytes(&args)) != @sizeOf(@TypeOf(args))) return 0;
            return args[0] | (args[4] & 0xff);
        },
        else => r.rdi,
    };
}

/// An init's stop: a fork is a spawn request's program, a SIGUSR1 a failed request's report.
fn on_init_stop(c: *Controller, init: *Tracee, status: u32) void {
    const signal = linux.W.STOPSIG(status);
    const ptrace_event = status >> 16;
    const host = &c.hosts[init.host];
    if (signal == sys.SIGTRAP and (ptrace_event == sys.PTRACE_EVENT.FORK or ptrace_event == sys.PTRACE_EVENT.CLONE)) {
        on_spawn(c, init, host);
    } else if (signal == sys.SIGUSR1 and ptrace_event == 0 and host.pending_count > 0) {
        const index = host.pending[0];
        const reported = @atomicLoad(i32, &c.shared.slots[index].fork_errno, .seq_cst);
        if (reported != 0) {
            _ = host.pop_pending();
            // init's word, not trusted: an errno or EAGAIN.
            const errno = if (reported > 0 and reported < 4096) reported else @intFromEnum(linux.E.AGAIN);
            spawn_failed(c, c.slot_requests[index].id, errno, "");
            c.release_slot(index);
        }
    }
    // Nothing reaches init but what it reports this way: a signal goes nowhere.
    _ = sys.ptrace(sys.PTRACE.CONT, init.tid, 0, 0);
}

/// init forked the program of its oldest request.
fn on_spawn(c: *Controller, init: *Tracee, host: *hosts.Host) void {
    const child_tid: sys.pid_t = @intCast(event_message(init.tid));
    const index = host.pop_pending() orelse {
        publish_error(c, "init of host {d} forked {d} unasked; killing it", .{ init.host, child_tid });
        _ = sys.kill(child_tid, sys.SIGKILL);
        return;
    };
    const request = c.slot_requests[index];
    var message = event(Event.spawned, child_tid);
    message.aux = request.id;
    message.aux2 = hosts.inner_id(host, child_tid);
    const hold = request.hold_at_exec;
    c.release_slot(index);
    publish(c, message);
    // Until its exec the child runs umbra's own set-up: no scheduling holds it.
    if (claim_child(c, init.host, child_tid, false)) |child| child.hold_at_exec = hold;
}

/// A host's init is gone (killed from outside): so is every process of its namespace. Requests
/// still waiting for it fail.
fn on_init_ended(c: *Controller, index: u16) void {
    const host = &c.hosts[index];
    host.init_pid = -1;
    if (host.control_fd >= 0) _ = linux.close(host.control_fd);
    host.control_fd = -1;
    while (host.pop_pending()) |slot| {
        spawn_failed(c, c.slot_requests[slot].id, @intFromEnum(linux.E.SRCH), "the host's init has ended");
        c.release_slot(slot);
    }
}

fn spawn_failed(c: *Controller, request_id: i32, errno: i32, what: []const u8) void {
    var failure = event(Event.spawn_failed, 0);
    failure.aux = request_id;
    failure.value = -@as(i64, errno);
    const length = @min(what.len, failure.payload.len - 1);
    @memcpy(failure.payload[0..length], what[0..length]);
    publish(c, failure);
}

fn on_stop(c: *Controller, tracee: *Tracee, status: u32) void {
    const signal = linux.W.STOPSIG(status);
    const ptrace_event = status >> 16;
    const tid = tracee.tid;
    tracee.stop = .other;
    if (signal != SIGSEGV) tracee.tsc_in_row = 0;
    if (signal == (sys.SIGTRAP | 0x80)) {
        if (!read_registers(tracee)) return;
        tracee.stop = .syscall_exit;
        tracee.exit_stop_wanted = false;
        if (tracee.saved_arguments) |saved| {
            set_arguments(&tracee.registers, saved[0..6].*);
            tracee.registers.orig_rax = saved[6];
            tracee.saved_arguments = null;
            tracee.registers_dirty = true;
        }
        var message = event(Event.syscall_exit, tid);
        message.value = @bitCast(tracee.registers.rax);
        message.aux = @truncate(@as(i64, @bitCast(tracee.registers.orig_rax)));
        return publish(c, message);
    }
    if (ptrace_event == sys.PTRACE_EVENT.STOP) return on_event_stop(c, tracee, signal);
    if (signal == sys.SIGTRAP and ptrace_event != 0) {
        switch (ptrace_event) {
            sys.PTRACE_EVENT.SECCOMP => return on_seccomp(c, tracee),
            sys.PTRACE_EVENT.FORK, sys.PTRACE_EVENT.VFORK, sys.PTRACE_EVENT.CLONE => return on_creation(c, tracee, ptrace_event),
            sys.PTRACE_EVENT.EXEC => return on_exec(c, tracee),
            else => return resume_tracee(tracee, 0, 0),
        }
    }
    if (signal == sys.SIGTRAP) tracee.single_step = false; // the step (or a breakpoint) trapped
    var message = event(Event.signal, tid);
    message.aux = @intCast(signal);
    _ = sys.ptrace(sys.PTRACE.GETSIGINFO, tid, 0, @intFromPtr(&message.payload));
    tracee.stop = .signal;
    if (signal == SIGSEGV and c.options.virtual_time and answer_tsc(c, tracee, &message.payload)) return;
    // Registers unreadable: the thread is dying; its exit event follows.
    if (!read_registers(tracee)) return publish(c, message);
    message.value = @bitCast(tracee.registers.rax);
    message.args[0] = tracee.registers.orig_rax;
    // A signal round trip through the policy costs tens of µs: most need no decision.
    const eintr: i64 = -@as(i64, @intFromEnum(linux.E.INTR));
    if (c.options.deterministic or signal == sys.SIGTRAP or tracee.debugged or message.value == eintr) {
        return publish(c, message);
    }
    message.aux2 = protocol.observed;
    publish(c, message);
    resume_tracee(tracee, @intCast(signal), 0);
}

const SIGSEGV = 11;
const SI_KERNEL: i32 = 0x80;
/// Virtual TSC ticks per virtual ns: the TSC runs at 1 GHz.
pub const tsc_per_ns = 1;
/// rdtsc reads in a row (with no other stop of the thread between) that cost no virtual time.
const tsc_free_reads = 1000;

/// A SIGSEGV the kernel raised for an rdtsc or rdtscp while the TSC is disabled (PR_SET_TSC,
/// virtual time): answers it from the virtual clock, steps over the instruction and resumes with no signal. The program never sees it
/// and the policy never hears of it. Anything else is a real SIGSEGV: false.
fn answer_tsc(c: *Controller, tracee: *Tracee, siginfo: []const u8) bool {
    const region = c.clock_region orelse return false;
    if (std.mem.readInt(i32, siginfo[8..12], .little) != SI_KERNEL) return false;
    if (!read_registers(tracee)) return false;
    const r = &tracee.registers;
    var code: [3]u8 = undefined;
    const got = memory.read(tracee.tid, r.rip, &code);
    const length: u64 = if (got >= 2 and code[0] == 0x0f and code[1] == 0x31)
        2 // rdtsc
    else if (got == 3 and code[0] == 0x0f and code[1] == 0x01 and code[2] == 0xf9)
        3 // rdtscp
    else
        return false;
    // A few reads cost nothing (ld.so times itself with a dozen at every exec, which must not
    // move a run's times); a thread that keeps reading it (a spin on the TSC) moves the clock
    // by a read's cost each time past a thousand in a row, so that it gets where it waits for.
    tracee.tsc_in_row +|= 1;
    const now = if (tracee.tsc_in_row > tsc_free_reads) clock.read(region) else region.now_ns.load(.seq_cst);
    // Strictly increasing, over all threads: a tick past the last answer when the clock stood still.
    const tsc = @max(now *% tsc_per_ns, c.last_tsc +% 1);
    c.last_tsc = tsc;
    r.rax = tsc & 0xffff_ffff;
    r.rdx = tsc >> 32;
    if (length == 3) r.rcx = 0; // IA32_TSC_AUX: processor 0
    r.rip += length;
    tracee.registers_dirty = true;
    resume_tracee(tracee, 0, 0);
    return true;
}

fn on_seccomp(c: *Controller, tracee: *Tracee) void {
    if (!read_registers(tracee)) return;
    tracee.stop = .syscall_entry;
    tracee.exit_stop_wanted = false;
    if (event_message(tracee.tid) != seccomp.trace_data) {
        // A program's own filter said SECCOMP_RET_TRACE: with no tracer of its own the kernel
        // fails the call with ENOSYS, and so does umbra (its filter outranks umbra's here).
        tracee.registers.orig_rax = std.math.maxInt(u64);
        tracee.registers.rax = @bitCast(-@as(i64, @intFromEnum(linux.E.NOSYS)));
        tracee.registers_dirty = true;
        return resume_tracee(tracee, 0, 0);
    }
    const r = &tracee.registers;
    var message = event(Event.syscall, tracee.tid);
    message.value = @bitCast(r.orig_rax);
    message.args = .{ r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9 };
    const observation = if (r.orig_rax < seccomp.syscall_number_max) c.observations[r.orig_rax] else null;
    const o = observation orelse return publish(c, message);
    message.aux2 = protocol.observed;
    const address = message.args[o.argument];
    if (address != 0 and o.length > 0) {
        message.aux = @intCast(memory.read(tracee.tid, address, message.payload[0..o.length]));
    }
    publish(c, message);
    resume_tracee(tracee, 0, 0);
}

fn on_exec(c: *Controller, tracee: *Tracee) void {
    const former: sys.pid_t = @intCast(event_message(tracee.tid));
    // A non-leader thread exec'd: it now carries the leader's tid.
    if (former != tracee.tid) c.table.remove(former);
    var message = event(Event.exec, tracee.tid);
    if ((c.options.virtual_time or c.options.seeded) and read_registers(tracee)) {
        const found = auxv.walk(tracee.tid, tracee.registers.rsp, c.options.virtual_time);
        message.args[1] = found.at_random;
    }
    message.aux = former;
    message.args[0] = @bitCast(read_exe(tracee.tid, message.payload[0 .. message.payload.len - 1]));
    if (c.options.seeded) message.aux2 |= protocol.random;
    if (tracee.hold_at_exec) {
        tracee.hold_at_exec = false;
        message.aux2 |= protocol.held;
    }
    tracee.awaiting_random = message.aux2 == protocol.random;
    publish(c, message);
    if (message.aux2 == 0 and !c.options.deterministic) resume_tracee(tracee, 0, 0);
}

/// readlink /proc/<tid>/exe into `out`: the length of the path (more than out.len: cut), or -errno.
fn read_exe(tid: sys.pid_t, out: []u8) i64 {
    var path_buffer: [32]u8 = undefined;
    const path = std.fmt.bufPrintZ(&path_buffer, "/proc/{d}/exe", .{tid}) catch unreachable;
    var target: [4096]u8 = undefined;
    const rc = linux.readlink(path, &target, target.len);
    if (sys.failed(rc)) return -@as(i64, sys.errno(rc));
    const length = @min(rc, out.len);
    @memcpy(out[0..length], target[0..length]);
    return @intCast(rc);
}

/// PTRACE_EVENT_STOP of a seized thread. A group stop (job control) is listened to: the thread
/// stays stopped and the kernel wakes it on SIGCONT, as it would an untraced one; the trap that
/// follows that wake (or any other) just resumes it.
fn on_event_stop(c: *Controller, tracee: *Tracee, signal: u32) void {
    if (is_stop_signal(@intCast(signal))) {
        var message = event(Event.group_stop, tracee.tid);
        message.aux = @intCast(signal);
        publish(c, message);
        tracee.listening = true;
        tracee.stop = .running;
        _ = sys.ptrace(PTRACE_LISTEN, tracee.tid, 0, 0);
        return;
    }
    if (tracee.listening) {
        tracee.listening = false;
        publish(c, event(Event.continued, tracee.tid));
        if (c.options.deterministic) return;
    } else if (c.options.deterministic) {
        return publish(c, event(Event.interrupted, tracee.tid));
    }
    resume_tracee(tracee, 0, 0);
}

const SIGTSTP = 20;
const SIGTTIN = 21;
const SIGTTOU = 22;
const SIGCONT = 18;

fn is_stop_signal(signal: i32) bool {
    return signal == sys.SIGSTOP or signal == SIGTSTP or signal == SIGTTIN or signal == SIGTTOU;
}

/// Whether a SIGCONT is pending for thread `tid` or its process (/proc/<tid>/status SigPnd and
/// ShdPnd: under ptrace the kernel queues a SIGCONT as any other signal).
fn continue_pending(tid: sys.pid_t) bool {
    var buffer: [4096]u8 = undefined;
    const status = sys.read_proc(tid, "status", &buffer) orelse return false;
    return pending_in(status, "\nSigPnd:", SIGCONT) or pending_in(status, "\nShdPnd:", SIGCONT);
}

/// Whether the signal mask on the /proc status line `field` has `signal`.
fn pending_in(status: []const u8, field: []const u8, signal: u6) bool {
    const start = (std.mem.indexOf(u8, status, field) orelse return false) + field.len;
    const end = std.mem.indexOfScalarPos(u8, status, start, '\n') orelse status.len;
    const mask = std.fmt.parseInt(u64, std.mem.trim(u8, status[start..end], " \t"), 16) catch return false;
    return mask & (@as(u64, 1) << (signal - 1)) != 0;
}

test "a signal mask line of /proc status" {
    const status = "Name:\tx\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000020000\n";
    try std.testing.expect(!pending_in(status, "\nSigPnd:", SIGCONT));
    try std.testing.expect(pending_in(status, "\nShdPnd:", SIGCONT));
    try std.testing.expect(!pending_in(status, "\nShdPnd:", 19));
}
const PTRACE_LISTEN = 0x4208;
const PTRACE_INTERRUPT = 0x4207;

fn event_message(tid: sys.pid_t) u64 {
    var value: u64 = 0;
    _ = sys.ptrace(sys.PTRACE.GETEVENTMSG, tid, 0, @intFromPtr(&value));
    return value;
}

/// False when the tracee vanished (killed meanwhile); its exit arrives through wait4.
fn read_registers(tracee: *Tracee) bool {
    return !sys.failed(sys.ptrace(sys.PTRACE.GETREGS, tracee.tid, 0, @intFromPtr(&tracee.registers)));
}

fn write_registers(tracee: *Tracee) void {
    _ = sys.ptrace(sys.PTRACE.SETREGS, tracee.tid, 0, @intFromPtr(&tracee.registers));
}

fn apply_replies(c: *Controller) void {
    var batch: [reply_batch_max]Message = undefined;
    while (true) {
        var count: usize = 0;
        c.mutex.lock();
        while (count < batch.len) : (count += 1) batch[count] = c.replies.pop() orelse break;
        if (count > 0) c.space_ready.broadcast();
        c.mutex.unlock();
        if (count == 0) return;
        for (batch[0..count]) |*reply| apply(c, reply);
    }
}

fn apply(c: *Controller, reply: *const Message) void {
    if (reply.kind == Reply.spawn) return start_program(c, reply);
    if (reply.kind == Reply.open_host) return open_host(c, reply.aux2, reply.args[2]);
    if (reply.kind == Reply.sync) {
        c.sync_requested = true;
        return;
    }
    // A tracee killed after its event was published is gone: its reply has nothing to do. (One
    // killed but not yet reaped is still in its stop here; the ptrace requests then fail.)
    const tracee = c.table.get(reply.tid) orelse return;
    if (reply.kind == Reply.interrupt) {
        // Stopped already (its event on the way): nothing to interrupt.
        if (tracee.stop == .running) _ = sys.ptrace(PTRACE_INTERRUPT, tracee.tid, 0, 0);
        return;
    }
    if (tracee.stop == .running) {
        return publish_error(c, "reply kind {d} for thread {d}, which is not stopped", .{ reply.kind, reply.tid });
    }
    switch (reply.kind) {
        Reply.read_registers => {
            if ((tracee.stop == .other or tracee.stop == .signal) and !tracee.registers_dirty and !read_registers(tracee)) return;
            const buffer: *sys.Registers = @ptrFromInt(reply.args[0]);
            buffer.* = tracee.registers;
            if (reply.args[1] != 0) {
                const fp: *[protocol.fp_registers_size]u8 = @ptrFromInt(reply.args[1]);
                if (sys.failed(sys.ptrace(sys.PTRACE.GETFPREGS, tracee.tid, 0, @intFromPtr(fp)))) @memset(fp, 0);
            }
            publish(c, event(Event.registers, tracee.tid));
        },
        Reply.write_registers => {
            const buffer: *const sys.Registers = @ptrFromInt(reply.args[0]);
            tracee.registers = buffer.*;
            tracee.registers_dirty = true;
            if (reply.args[1] != 0) {
                const fp: *const [protocol.fp_registers_size]u8 = @ptrFromInt(reply.args[1]);
                _ = sys.ptrace(sys.PTRACE.SETFPREGS, tracee.tid, 0, @intFromPtr(fp));
            }
        },
        Reply.continue_ => {
            // Only a debugger resumes a thread from a signal or held-exec stop: it says whether
            // it still holds the thread's signals.
            // (The policy's answer to an exec stop held for AT_RANDOM alone is not a debugger's.)
            if ((tracee.stop == .signal or tracee.stop == .other) and !tracee.awaiting_random) tracee.debugged = false;
            tracee.awaiting_random = false;
            resume_tracee(tracee, reply.aux, reply.aux2);
        },
        Reply.emulate => {
            if (tracee.stop != .syscall_entry) return misplaced(c, reply, "a syscall entry");
            tracee.registers.orig_rax = std.math.maxInt(u64); // -1: the kernel skips the syscall
            tracee.registers.rax = @bitCast(reply.value);
            tracee.registers_dirty = true;
            resume_tracee(tracee, 0, 0);
        },
        Reply.rewrite => {
            if (tracee.stop != .syscall_entry) return misplaced(c, reply, "a syscall entry");
            const r = &tracee.registers;
            var flags = reply.aux2;
            if (flags & protocol.flag_restore_arguments != 0) {
                tracee.saved_arguments = .{ r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9, r.orig_rax };
                flags |= protocol.flag_exit_stop;
            }
            r.orig_rax = @bitCast(reply.value);
            set_arguments(r, reply.args);
            tracee.registers_dirty = true;
            resume_tracee(tracee, 0, flags);
        },
        Reply.set_registers => {
            if ((tracee.stop == .other or tracee.stop == .signal) and !read_registers(tracee)) return;
            const mask: u32 = @bitCast(reply.aux);
            const r = &tracee.registers;
            if (mask & 1 != 0) r.rax = @bitCast(reply.value);
            var current: [6]u64 = .{ r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9 };
            for (0..6) |i| {
                if (mask & (@as(u32, 2) << @intCast(i)) != 0) current[i] = reply.args[i];
            }
            set_arguments(r, current);
            if (mask & @as(u32, @bitCast(protocol.register_restart)) != 0) {
                r.rax = r.orig_rax;
                r.rip -= 2; // back onto the 2-byte `syscall` instruction
            }
            tracee.registers_dirty = true;
            resume_tracee(tracee, 0, reply.aux2);
        },
        else => publish_error(c, "unknown reply kind {d}", .{reply.kind}),
    }
}

fn misplaced(c: *Controller, reply: *const Message, comptime where: []const u8) void {
    publish_error(c, "reply kind {d} for thread {d} is only valid at " ++ where, .{ reply.kind, reply.tid });
}

fn set_arguments(r: *sys.Registers, arguments: [6]u64) void {
    r.rdi = arguments[0];
    r.rsi = arguments[1];
    r.rdx = arguments[2];
    r.r10 = arguments[3];
    r.r8 = arguments[4];
    r.r9 = arguments[5];
}

fn resume_tracee(tracee: *Tracee, signal_given: i32, flags: i32) void {
    // A stop signal taken from the queue before a SIGCONT came: natively the SIGCONT would have
    // discarded it while it was pending (it arrived after the dequeue, or the stop signal's own
    // sending would have discarded the SIGCONT). Delivered now it would stop the process for
    // good, SIGCONT spent: it is dropped.
    const signal = if (tracee.stop == .signal and is_stop_signal(signal_given) and continue_pending(tracee.tid)) 0 else signal_given;
    if (tracee.registers_dirty) {
        write_registers(tracee);
        tracee.registers_dirty = false;
    }
    const wants_exit_stop = flags & protocol.flag_exit_stop != 0;
    switch (tracee.stop) {
        .syscall_entry => tracee.exit_stop_wanted = wants_exit_stop,
        .syscall_exit => tracee.exit_stop_wanted = false,
        .signal, .other => tracee.exit_stop_wanted = tracee.exit_stop_wanted or wants_exit_stop,
        .running => unreachable,
    }
    if (flags & protocol.flag_single_step != 0) tracee.single_step = true;
    if (flags & protocol.flag_debugged != 0) tracee.debugged = true;
    const request: u32 = if (tracee.exit_stop_wanted)
        sys.PTRACE.SYSCALL
    else if (tracee.single_step)
        sys.PTRACE.SINGLESTEP
    else
        sys.PTRACE.CONT;
    tracee.stop = .running;
    _ = sys.ptrace(request, tracee.tid, 0, @intCast(@as(u32, @bitCast(signal))));
}

/// A spawn request: its host's init (made now if need be) forks the program.
fn start_program(c: *Controller, reply: *const Message) void {
    const index: u8 = @intCast(reply.args[0]);
    assert(index < shared.slot_count);
    const request_id = reply.aux;
    const host = switch (ensure_host(c, reply.aux2, reply.args[2])) {
        .host => |host| host,
        .failure => |failure| {
            spawn_failed(c, request_id, failure.errno, failure.step);
            return c.release_slot(index);
        },
    };
    assert(c.slot_requests[index].id == request_id);
    if (c.table.count >= tracees.count_max) {
        spawn_failed(c, request_id, @intFromEnum(linux.E.AGAIN), "");
        return c.release_slot(index);
    }
    host.push_pending(index);
    const word: u32 = index;
    if (linux.write(host.control_fd, std.mem.asBytes(&word), 4) != 4) {
        _ = host.pop_pending();
        spawn_failed(c, request_id, @intFromEnum(linux.E.PIPE), "the host's init does not answer");
        c.release_slot(index);
    }
}

/// `open_host`: makes the host now, and says how it went.
fn open_host(c: *Controller, index: i32, random_key: u64) void {
    var message = event(Event.host_opened, 0);
    message.aux2 = index;
    switch (ensure_host(c, index, random_key)) {
        .host => {},
        .failure => |failure| {
            message.value = -@as(i64, failure.errno);
            const length = @min(failure.step.len, message.payload.len - 1);
            @memcpy(message.payload[0..length], failure.step[0..length]);
        },
    }
    publish(c, message);
}

/// Host `index`, its namespaces and init made at first use (seeded: its random devices read
/// the stream of `random_key`). A host that could not be made, or whose init ended, stays so.
fn ensure_host(c: *Controller, index: i32, random_key: u64) union(enum) { host: *hosts.Host, failure: hosts.Failure } {
    if (index < 0 or index >= hosts.host_count_max) {
        return .{ .failure = .{ .step = "too many hosts", .errno = @intFromEnum(linux.E.INVAL) } };
    }
    const host = &c.hosts[@intCast(index)];
    if (host.init_pid == 0) {
        if (hosts.create(host, c.host_resources(), c.feeder != null)) |failure| {
            host.init_pid = -1;
            host.failure = failure;
            return .{ .failure = failure };
        }
        if (c.feeder) |feeder| {
            feeder.add(@intCast(index), host.random_fd, random_key);
            host.random_fd = -1; // the feeder's now
        }
        seize_init(c, host, @intCast(index));
    }
    if (host.init_pid < 0) return .{ .failure = host.failure };
    return .{ .host = host };
}

/// Traces a host's new init: from now on every process it forks is traced from birth.
fn seize_init(c: *Controller, host: *hosts.Host, host_index: u16) void {
    const tracee = c.table.insert(host.init_pid) catch unreachable; // inits are few, and counted
    tracee.is_init = true;
    tracee.host = host_index;
    tracee.stop = .running;
    if (sys.failed(sys.ptrace(sys.PTRACE.SEIZE, host.init_pid, 0, options))) {
        publish_error(c, "cannot trace the init of host {d}", .{host_index});
        _ = sys.kill(host.init_pid, sys.SIGKILL);
    }
}

fn start_doorbell(c: *Controller) !void {
    const rc = linux.syscall5(.clone, 0, 0, 0, 0, 0); // exit signal 0, like the programs
    if (sys.failed(rc)) return error.ForkFailed;
    if (rc == 0) doorbell_main(c.tgid);
    const pid: sys.pid_t = @intCast(rc);
    var status: u32 = 0;
    if (sys.failed(sys.wait4(pid, &status, wait_flags, null)) or !linux.W.IFSTOPPED(status)) return error.DoorbellDied;
    _ = sys.ptrace(sys.PTRACE.SETOPTIONS, pid, 0, sys.PTRACE_O.EXITKILL);
    _ = sys.ptrace(sys.PTRACE.CONT, pid, 0, 0);
    c.doorbell_pid = pid;
}

/// The doorbell process: traced, it sleeps; each signal sent to it becomes a stop that wakes
/// the tracer's wait4. It does nothing else.
fn doorbell_main(tracer_tgid: sys.pid_t) noreturn {
    _ = sys.prctl(1, sys.SIGKILL); // PR_SET_PDEATHSIG
    if (sys.getppid() != tracer_tgid) sys.exit_group(1);
    _ = linux.syscall3(.close_range, 0, std.math.maxInt(u32), 0);
    _ = sys.ptrace(sys.PTRACE.TRACEME, 0, 0, 0);
    const none: u64 = 0;
    _ = sys.rt_sigprocmask(sys.SIG_SETMASK, &none, null);
    _ = sys.kill(sys.getpid(), sys.SIGSTOP);
    while (true) _ = linux.syscall0(.pause);
}

fn on_doorbell(c: *Controller, status: u32) void {
    if (linux.W.IFSTOPPED(status)) {
        _ = sys.ptrace(sys.PTRACE.CONT, c.doorbell_pid, 0, 0); // swallow the ring
        return;
    }
    // The doorbell died (someone killed it): start another so replies keep waking us.
    c.doorbell_pid = 0;
    start_doorbell(c) catch publish_error(c, "the doorbell process died and cannot be restarted", .{});
}

fn kill_tracee(_: void, tracee: *Tracee) void {
    _ = sys.kill(tracee.tid, sys.SIGKILL);
}

/// Shutdown: SIGKILL every tracee (each host's init first: the kernel then kills its whole
/// namespace, untraced processes too) and the doorbell, then reap until no child is left.
fn kill_everything(c: *Controller) void {
    for (&c.hosts) |*host| {
        if (host.init_pid > 0) _ = sys.kill(host.init_pid, sys.SIGKILL);
    }
    c.table.each({}, kill_tracee);
    if (c.doorbell_pid > 0) _ = sys.kill(c.doorbell_pid, sys.SIGKILL);
    var status: u32 = 0;
    while (true) {
        const rc = sys.wait4(-1, &status, wait_flags, null);
        if (sys.failed(rc)) break; // ECHILD: nothing left
        const pid: sys.pid_t = @intCast(rc);
        if (linux.W.IFSTOPPED(status)) {
            // A thread created while we were killing, or a stop that raced the SIGKILL.
            _ = sys.kill(pid, sys.SIGKILL);
            _ = sys.ptrace(sys.PTRACE.CONT, pid, 0, 0);
        } else {
            c.table.remove(pid);
        }
    }
    for (&c.hosts) |*host| {
        if (host.control_fd >= 0) _ = linux.close(host.control_fd);
        host.control_fd = -1;
    }
}

fn mark_closed(c: *Controller) void {
    c.mutex.lock();
    c.closed = true;
    c.events_ready.broadcast();
    c.space_ready.broadcast();
    c.mutex.unlock();
}
