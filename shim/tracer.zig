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
const spawn = @import("spawn.zig");
const Controller = @import("controller.zig").Controller;
const tracees = @import("tracees.zig");
const Tracee = tracees.Tracee;
const memory = @import("memory.zig");
const seccomp = @import("seccomp.zig");
const auxv = @import("auxv.zig");

const options: usize = sys.PTRACE_O.TRACESYSGOOD | sys.PTRACE_O.TRACEFORK | sys.PTRACE_O.TRACEVFORK |
    sys.PTRACE_O.TRACECLONE | sys.PTRACE_O.TRACEEXEC | sys.PTRACE_O.TRACEEXIT |
    sys.PTRACE_O.TRACESECCOMP | sys.PTRACE_O.EXITKILL;

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
        if (produced > 0) {
            // Even an informational batch can make the policy answer a parked tracee (a child's
            // exit completes its parent's wait): wait for the batch to be handled.
            wait_for_acknowledgement(c);
            continue;
        }
        if (poll_briefly(c)) continue;
        c.sleeping.store(true, .seq_cst);
        if (pending_replies(c) or c.shutdown.load(.seq_cst)) {
            c.sleeping.store(false, .seq_cst);
            continue;
        }
        var status: u32 = 0;
        var usage: linux.rusage = undefined;
        const rc = sys.wait4(-1, &status, wait_flags, &usage);
        c.sleeping.store(false, .seq_cst);
        if (!sys.failed(rc)) on_wait(c, @intCast(rc), status, &usage);
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
        var usage: linux.rusage = undefined;
        const rc = sys.wait4(-1, &status, wait_flags | sys.WNOHANG, &usage);
        if (!sys.failed(rc) and rc != 0) {
            on_wait(c, @intCast(rc), status, &usage);
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

/// Collects every wait4 result that is ready now. Returns how many events it published.
fn drain_ready(c: *Controller) u32 {
    var status: u32 = 0;
    var usage: linux.rusage = undefined;
    while (true) {
        const rc = sys.wait4(-1, &status, wait_flags | sys.WNOHANG, &usage);
        if (sys.failed(rc) or rc == 0) break;
        on_wait(c, @intCast(rc), status, &usage);
    }
    const produced = c.unflushed;
    flush(c);
    return produced;
}

fn flush(c: *Controller) void {
    if (c.unflushed == 0) return;
    c.unflushed = 0;
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
    c.events.push_assume_capacity(message);
    c.published +%= 1;
    c.unflushed += 1;
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

fn on_wait(c: *Controller, pid: sys.pid_t, status: u32, usage: *const linux.rusage) void {
    if (pid == c.doorbell_pid) return on_doorbell(c, status);
    if (linux.W.IFEXITED(status) or linux.W.IFSIGNALED(status)) {
        c.table.remove(pid);
        var message = event(Event.exited, pid);
        message.value = status;
        message.args[0] = micros(usage.utime);
        message.args[1] = micros(usage.stime);
        const longs = [14]isize{
            usage.maxrss,  usage.ixrss,   usage.idrss,  usage.isrss,  usage.minflt,   usage.majflt, usage.nswap,
            usage.inblock, usage.oublock, usage.msgsnd, usage.msgrcv, usage.nsignals, usage.nvcsw,  usage.nivcsw,
        };
        @memcpy(message.payload[0 .. 14 * 8], std.mem.asBytes(&longs));
        return publish(c, message);
    }
    if (!linux.W.IFSTOPPED(status)) return;
    const tracee = c.table.get(pid) orelse return on_unclaimed_first_stop(c, pid);
    switch (tracee.birth) {
        .born => on_stop(c, tracee, status),
        .spawning => on_spawned_first_stop(c, tracee),
        .claimed => release_child(tracee),
        .unclaimed => {}, // held already; a second stop cannot come
    }
}

fn micros(time: linux.timeval) u64 {
    return @as(u64, @intCast(time.sec)) * 1_000_000 + @as(u64, @intCast(time.usec));
}

/// The first stop of a thread or process the kernel attached because its creator is traced,
/// before the creator's fork event: hold it there until that event says how to fix it up.
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

/// The creator's fork event: fix up the parent's tid memory now, and the child before it runs.
fn on_creation(c: *Controller, creator: *Tracee, child_tid: sys.pid_t) void {
    var fixups: tracees.Fixups = .{};
    if (creator.creation) |creation| {
        memory.write_i32(creator.tid, creation.parent_tid_address, creation.child_tid);
        fixups.tid_address = creation.child_tid_address;
        fixups.tid = creation.child_tid;
        if (creation.restore_child) {
            if (creator.saved_arguments) |saved| fixups.arguments = saved[0..6].*;
        }
        creator.creation = null;
    }
    if (c.table.get(child_tid)) |child| {
        child.fixups = fixups;
        if (child.birth == .unclaimed) release_child(child);
        return;
    }
    const child = c.table.insert(child_tid) catch {
        publish_error(c, "more than {d} live traced threads; killing {d}", .{ tracees.count_max, child_tid });
        _ = sys.kill(child_tid, sys.SIGKILL);
        return;
    };
    child.birth = .claimed;
    child.fixups = fixups;
}

/// A new child at its first stop, its creator's event seen: fix it up and let it run, its
/// SIGSTOP suppressed.
fn release_child(child: *Tracee) void {
    if (child.fixups.arguments) |arguments| {
        if (read_registers(child)) {
            set_arguments(&child.registers, arguments);
            write_registers(child);
        }
    }
    memory.write_i32(child.tid, child.fixups.tid_address, child.fixups.tid);
    child.birth = .born;
    child.stop = .running;
    _ = sys.ptrace(sys.PTRACE.CONT, child.tid, 0, 0);
}

fn on_spawned_first_stop(c: *Controller, tracee: *Tracee) void {
    tracee.birth = .born;
    if (sys.failed(sys.ptrace(sys.PTRACE.SETOPTIONS, tracee.tid, 0, options))) {
        _ = sys.kill(tracee.tid, sys.SIGKILL);
    }
    _ = sys.ptrace(sys.PTRACE.CONT, tracee.tid, 0, 0);
    _ = c;
}

fn on_stop(c: *Controller, tracee: *Tracee, status: u32) void {
    const signal = linux.W.STOPSIG(status);
    const ptrace_event = status >> 16;
    const tid = tracee.tid;
    tracee.stop = .other;
    if (signal == (sys.SIGTRAP | 0x80)) {
        if (tracee.injection != null) return on_injection_stop(c, tracee);
        if (!read_registers(tracee)) return;
        tracee.stop = .syscall_exit;
        tracee.exit_stop_wanted = false;
        if (tracee.saved_arguments) |saved| {
            set_arguments(&tracee.registers, saved[0..6].*);
            tracee.registers.orig_rax = saved[6];
            tracee.saved_arguments = null;
            tracee.registers_dirty = true;
        }
        if (tracee.exit_value) |value| {
            tracee.exit_value = null;
            // A failure goes to the policy (a fork that failed natively ends its creation there).
            if (@as(i64, @bitCast(tracee.registers.rax)) >= 0) {
                tracee.registers.rax = @bitCast(value);
                tracee.registers_dirty = true;
                return resume_tracee(tracee, 0, 0);
            }
        }
        var message = event(Event.syscall_exit, tid);
        message.value = @bitCast(tracee.registers.rax);
        message.aux = @truncate(@as(i64, @bitCast(tracee.registers.orig_rax)));
        return publish(c, message);
    }
    if (signal == sys.SIGTRAP and ptrace_event != 0) {
        switch (ptrace_event) {
            sys.PTRACE_EVENT.SECCOMP => {
                if (!read_registers(tracee)) return;
                tracee.stop = .syscall_entry;
                tracee.exit_stop_wanted = false;
                const r = &tracee.registers;
                var message = event(Event.syscall, tid);
                message.value = @bitCast(r.orig_rax);
                message.args = .{ r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9 };
                const observation = if (r.orig_rax < seccomp.syscall_number_max) c.observations[r.orig_rax] else null;
                if (observation) |o| {
                    message.aux2 = protocol.observed;
                    const address = message.args[o.argument];
                    if (address != 0 and o.length > 0) {
                        message.aux = @intCast(memory.read(tid, address, message.payload[0..o.length]));
                    }
                    publish(c, message);
                    return resume_tracee(tracee, 0, 0);
                }
                return publish(c, message);
            },
            sys.PTRACE_EVENT.FORK, sys.PTRACE_EVENT.VFORK, sys.PTRACE_EVENT.CLONE => {
                const kind: u32 = switch (ptrace_event) {
                    sys.PTRACE_EVENT.FORK => Event.fork,
                    sys.PTRACE_EVENT.VFORK => Event.vfork,
                    else => Event.clone,
                };
                var message = event(kind, tid);
                message.aux = @intCast(event_message(tid));
                if (read_registers(tracee)) {
                    const r = &tracee.registers;
                    message.args = .{ r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9 };
                }
                publish(c, message);
                on_creation(c, tracee, message.aux);
                return resume_tracee(tracee, 0, 0);
            },
            sys.PTRACE_EVENT.EXEC => {
                const former: sys.pid_t = @intCast(event_message(tid));
                // A non-leader thread exec'd: it now carries the leader's tid.
                if (former != tid) c.table.remove(former);
                if (c.options.virtual_time and read_registers(tracee)) _ = auxv.hide_vdso(tid, tracee.registers.rsp);
                var message = event(Event.exec, tid);
                message.aux = former;
                if (tracee.hold_at_exec) {
                    tracee.hold_at_exec = false;
                    message.aux2 = protocol.held;
                    return publish(c, message);
                }
                publish(c, message);
                return resume_tracee(tracee, 0, 0);
            },
            sys.PTRACE_EVENT.EXIT => {
                tracee.exiting = true;
                var message = event(Event.exiting, tid);
                message.value = @intCast(event_message(tid));
                message.aux = @intCast(read_comm(tid, message.payload[0..comm_max]));
                publish(c, message);
                return resume_tracee(tracee, 0, 0);
            },
            else => {
                var message = event(Event.group_stop, tid);
                message.aux = @intCast(signal);
                return publish(c, message);
            },
        }
    }
    if (signal == sys.SIGTRAP) tracee.single_step = false; // the step (or a breakpoint) trapped
    var message = event(Event.signal, tid);
    message.aux = @intCast(signal);
    const rc = sys.ptrace(sys.PTRACE.GETSIGINFO, tid, 0, @intFromPtr(&message.payload));
    // GETSIGINFO fails with EINVAL exactly in a group stop.
    if (sys.errno(rc) == @intFromEnum(linux.E.INVAL)) message.kind = Event.group_stop;
    publish(c, message);
}

/// TASK_COMM_LEN: a task name's bytes with their NUL.
const comm_max = 16;

/// Reads /proc/<tid>/comm without its newline into `out`; returns its length (0: unreadable).
fn read_comm(tid: sys.pid_t, out: *[comm_max]u8) usize {
    var path_buffer: [32]u8 = undefined;
    const path = std.fmt.bufPrintZ(&path_buffer, "/proc/{d}/comm", .{tid}) catch return 0;
    const fd = linux.open(path, .{ .ACCMODE = .RDONLY, .CLOEXEC = true }, 0);
    if (sys.failed(fd)) return 0;
    defer _ = linux.close(@intCast(fd));
    const count = linux.read(@intCast(fd), out, out.len);
    if (sys.failed(count)) return 0;
    return if (count > 0 and out[count - 1] == '\n') count - 1 else count;
}

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
    if (reply.kind == Reply.spawn) return start_program(c, @ptrFromInt(reply.args[0]));
    // A tracee killed after its event was published is gone: its reply has nothing to do.
    const tracee = c.table.get(reply.tid) orelse return;
    if (tracee.stop == .running) {
        // A group exit's SIGKILL takes a thread out of the stop its reply was for.
        if (tracee.exiting) return;
        return publish_error(c, "reply kind {d} for thread {d}, which is not stopped", .{ reply.kind, reply.tid });
    }
    take_exit_actions(tracee, reply);
    switch (reply.kind) {
        Reply.read_registers => {
            if (tracee.stop == .other and !tracee.registers_dirty and !read_registers(tracee)) return;
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
        Reply.continue_ => resume_tracee(tracee, reply.aux, reply.aux2),
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
            if (tracee.stop == .other and !read_registers(tracee)) return;
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
        Reply.inject => {
            if (tracee.stop != .syscall_exit) return misplaced(c, reply, "a syscall exit");
            tracee.injection = .{ .saved = tracee.registers, .at_exit = false };
            const r = &tracee.registers;
            r.rax = @bitCast(reply.value);
            r.orig_rax = @bitCast(reply.value);
            set_arguments(r, reply.args);
            r.rip -= 2; // back onto the 2-byte `syscall` instruction that just returned
            write_registers(tracee);
            tracee.registers_dirty = false;
            tracee.stop = .running;
            _ = sys.ptrace(sys.PTRACE.SYSCALL, tracee.tid, 0, 0);
        },
        Reply.deliver_siginfo => {
            _ = sys.ptrace(sys.PTRACE.SETSIGINFO, tracee.tid, 0, @intFromPtr(&reply.payload));
            resume_tracee(tracee, reply.aux, 0);
        },
        else => publish_error(c, "unknown reply kind {d}", .{reply.kind}),
    }
}

/// The entry or exit stop of an injected syscall: at the exit, the registers go back to what
/// they were and the policy hears the result.
fn on_injection_stop(c: *Controller, tracee: *Tracee) void {
    const injection = &tracee.injection.?;
    if (!injection.at_exit) {
        injection.at_exit = true;
        _ = sys.ptrace(sys.PTRACE.SYSCALL, tracee.tid, 0, 0);
        return;
    }
    var result: sys.Registers = undefined;
    const rc = sys.ptrace(sys.PTRACE.GETREGS, tracee.tid, 0, @intFromPtr(&result));
    tracee.registers = injection.saved;
    tracee.injection = null;
    tracee.registers_dirty = true;
    tracee.stop = .syscall_exit;
    if (sys.failed(rc)) return;
    var message = event(Event.injected, tracee.tid);
    message.value = @bitCast(result.rax);
    publish(c, message);
}

/// flag_exit_value and flag_creation: what the tracer does by itself later for this syscall.
fn take_exit_actions(tracee: *Tracee, reply: *const Message) void {
    if (tracee.stop != .syscall_entry) return;
    const flags = reply.aux2;
    const payload = &reply.payload;
    if (flags & protocol.flag_exit_value != 0) {
        tracee.exit_value = std.mem.readInt(i64, payload[protocol.payload_exit_value..][0..8], .little);
    }
    if (flags & protocol.flag_creation != 0) {
        tracee.creation = .{
            .parent_tid_address = std.mem.readInt(u64, payload[protocol.payload_parent_tid_address..][0..8], .little),
            .child_tid_address = std.mem.readInt(u64, payload[protocol.payload_child_tid_address..][0..8], .little),
            .child_tid = std.mem.readInt(i32, payload[protocol.payload_child_tid..][0..4], .little),
            .restore_child = flags & protocol.flag_restore_arguments != 0,
        };
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

fn resume_tracee(tracee: *Tracee, signal: i32, flags: i32) void {
    if (tracee.registers_dirty) {
        write_registers(tracee);
        tracee.registers_dirty = false;
    }
    const wants_exit_stop = flags & (protocol.flag_exit_stop | protocol.flag_exit_value) != 0;
    switch (tracee.stop) {
        .syscall_entry => tracee.exit_stop_wanted = wants_exit_stop,
        .syscall_exit => tracee.exit_stop_wanted = false,
        .other => tracee.exit_stop_wanted = tracee.exit_stop_wanted or wants_exit_stop,
        .running => unreachable,
    }
    if (flags & protocol.flag_single_step != 0) tracee.single_step = true;
    const request: u32 = if (tracee.exit_stop_wanted)
        sys.PTRACE.SYSCALL
    else if (tracee.single_step)
        sys.PTRACE.SINGLESTEP
    else
        sys.PTRACE.CONT;
    tracee.stop = .running;
    _ = sys.ptrace(request, tracee.tid, 0, @intCast(@as(u32, @bitCast(signal))));
}

fn start_program(c: *Controller, slot: *spawn.Slot) void {
    const request_id = slot.request_id;
    defer {
        c.mutex.lock();
        slot.used = false;
        c.space_ready.broadcast();
        c.mutex.unlock();
    }
    var failure = event(Event.spawn_failed, 0);
    failure.aux = request_id;
    const prepared = spawn.prepare(slot, &c.spawn_pointers) catch {
        failure.value = -@as(i64, @intFromEnum(linux.E.INVAL));
        return publish(c, failure);
    };
    if (c.table.count >= tracees.count_max) {
        failure.value = -@as(i64, @intFromEnum(linux.E.AGAIN));
        return publish(c, failure);
    }
    const rc = spawn.start(&prepared, &c.program, c.tgid, c.clock_fd);
    if (sys.failed(rc)) {
        failure.value = -@as(i64, sys.errno(rc));
        return publish(c, failure);
    }
    const pid: sys.pid_t = @intCast(rc);
    const tracee = c.table.insert(pid) catch unreachable; // count checked above
    tracee.birth = .spawning;
    tracee.hold_at_exec = prepared.hold_at_exec;
    var message = event(Event.spawned, pid);
    message.aux = request_id;
    publish(c, message);
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

/// Shutdown: SIGKILL every tracee and the doorbell, then reap until no child is left.
fn kill_everything(c: *Controller) void {
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
}

fn mark_closed(c: *Controller) void {
    c.mutex.lock();
    c.closed = true;
    c.events_ready.broadcast();
    c.space_ready.broadcast();
    c.mutex.unlock();
}
