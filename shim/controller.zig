//! The controller: state shared between the policy's threads (next_event, submit) and the one
//! tracer thread that owns every ptrace request. Rings are bounded; all memory is taken at open.

const std = @import("std");
const assert = std.debug.assert;
const protocol = @import("protocol.zig");
const Message = protocol.Message;
const Ring = @import("ring.zig").Ring;
const seccomp = @import("seccomp.zig");
const shared = @import("shared.zig");
const hosts = @import("hosts.zig");
const spawn = @import("spawn.zig");
const sys = @import("sys.zig");
const tracees = @import("tracees.zig");
const clock = @import("clock.zig");
const random = @import("random.zig");

pub const ring_capacity = 8192;
/// How long next_events polls before it sleeps on the condition variable.
const events_poll_ns = 50 * std.time.ns_per_us;

/// What a spawn slot carries, kept out of the inits' reach.
pub const SlotRequest = struct { id: i32, len: u32, hold_at_exec: bool };

pub const Controller = struct {
    allocator: std.mem.Allocator,

    /// Guards `events`, `replies`, `slot_used`, `interrupted`, `closed`.
    mutex: std.Thread.Mutex = .{},
    /// Signalled when events arrive, on interrupt and on close (next_event waits on it).
    events_ready: std.Thread.Condition = .{},
    /// Signalled when the tracer frees reply or spawn space (submit waits on it).
    space_ready: std.Thread.Condition = .{},
    events: Ring(ring_capacity) = .{},
    replies: Ring(ring_capacity) = .{},
    /// Which spawn slots of the shared region carry a request in flight.
    slot_used: [shared.slot_count]bool = .{false} ** shared.slot_count,
    /// Each slot's request as the controller wrote it. Inits can write the shared region, so
    /// what the tracer needs of a slot (which request, how long, held) is read from here.
    slot_requests: [shared.slot_count]SlotRequest = undefined,
    interrupted: bool = false,
    closed: bool = false,

    /// Count of events handed out by next_event; `acknowledged` catches up when the batch's
    /// replies are submitted. The tracer waits on `acknowledged` briefly before sleeping.
    delivered: u32 = 0,
    acknowledged: std.atomic.Value(u32) = .init(0),
    published: u32 = 0, // tracer thread only
    /// Events published since the consumer was last woken (tracer thread only).
    unflushed: u32 = 0,
    /// Whether one of those left its thread stopped for a reply (tracer thread only).
    unflushed_awaiting: bool = false,

    /// True while the tracer thread is in (or about to enter) a blocking wait4.
    sleeping: std.atomic.Value(bool) = .init(false),
    shutdown: std.atomic.Value(bool) = .init(false),
    /// A traced helper process; a signal to it wakes the tracer's blocking wait4.
    doorbell_pid: sys.pid_t = 0,

    options: Options,
    /// The virtual clock's memfd (-1 in real time) and its mapping here.
    clock_fd: i32 = -1,
    clock_region: ?*clock.Region = null,
    /// The memory every host's init shares: the seccomp filter and the spawn slots.
    shared_fd: i32 = -1,
    shared: *shared.Region = undefined,
    /// init's executable (a sealed memfd).
    image_fd: i32 = -1,
    observations: seccomp.Observations = undefined,
    /// Seeded: keeps every host's random FIFO full (its own thread).
    feeder: ?*random.Feeder(hosts.host_count_max) = null,
    tgid: sys.pid_t,
    thread: std.Thread = undefined,

    // Tracer thread only.
    table: tracees.Table,
    /// A `sync` reply was applied: `synced` goes out once wait4 has nothing more ready.
    sync_requested: bool = false,
    /// The last TSC value an rdtsc was answered with (virtual time).
    last_tsc: u64 = 0,
    hosts: [hosts.host_count_max]hosts.Host = .{hosts.Host{}} ** hosts.host_count_max,

    /// Behaviour switches given at open.
    pub const Options = packed struct(u32) {
        /// Virtual time: hide the vDSO of every exec'd program (clock reads become syscalls, or
        /// shim reads of the shared clock) and give every program the clock region.
        virtual_time: bool,
        /// Trace every syscall the rules do not refuse (strace logging wants them all).
        trace_all: bool,
        /// Seeded randomness: exec events carry the AT_RANDOM address and wait for the policy
        /// (which writes the bytes), and each host's /dev/urandom and /dev/random read the
        /// feeder's stream. With `virtual_time`, rdtsc and rdtscp (trapped by PR_SET_TSC in
        /// every program) are answered from the virtual clock.
        seeded: bool,
        /// Deterministic scheduling: the tracer resumes no thread by itself (the policy runs one
        /// at a time): creations hold creator and child, signals, execs and SIGCONT wake-ups
        /// wait for replies.
        deterministic: bool,
        _: u28 = 0,
    };

    pub fn create(allocator: std.mem.Allocator, rules: []const u32, options: Options, epoch_ns: u64, read_cost_ns: u64) !*Controller {
        const controller = try allocator.create(Controller);
        errdefer allocator.destroy(controller);
        controller.* = .{
            .allocator = allocator,
            .tgid = sys.getpid(),
            .table = try tracees.Table.init(allocator),
            .options = options,
        };
        errdefer controller.table.deinit(allocator);
        if (options.virtual_time) {
            const clock_shared = try clock.create(epoch_ns, read_cost_ns);
            controller.clock_fd = clock_shared.fd;
            controller.clock_region = clock_shared.region;
        }
        const region = try shared.create();
        controller.shared_fd = region.fd;
        controller.shared = region.region;
        controller.image_fd = try hosts.create_image();
        var filter: seccomp.Filter = .{};
        try seccomp.build(&filter, &controller.observations, rules, if (options.trace_all) .trace else .allow);
        @memcpy(controller.shared.filter[0..filter.len], filter.instructions[0..filter.len]);
        controller.shared.filter_len = filter.len;
        if (options.seeded) {
            const feeder = try allocator.create(random.Feeder(hosts.host_count_max));
            feeder.* = .{};
            feeder.start() catch |err| {
                allocator.destroy(feeder);
                return err;
            };
            controller.feeder = feeder;
        }
        return controller;
    }

    pub fn destroy(controller: *Controller) void {
        const allocator = controller.allocator;
        if (controller.feeder) |feeder| {
            feeder.stop();
            allocator.destroy(feeder);
        }
        if (controller.clock_region) |region| _ = std.os.linux.munmap(@ptrCast(region), 4096);
        if (controller.clock_fd >= 0) _ = std.os.linux.close(controller.clock_fd);
        if (controller.shared_fd >= 0) {
            _ = std.os.linux.munmap(@ptrCast(controller.shared), shared.region_size);
            _ = std.os.linux.close(controller.shared_fd);
        }
        if (controller.image_fd >= 0) _ = std.os.linux.close(controller.image_fd);
        controller.table.deinit(allocator);
        allocator.destroy(controller);
    }

    /// Policy side: copies up to `out.len` events, waiting up to `timeout_ns` for the first.
    /// Returns the count, 0 on timeout or interrupt, -1 once closed and drained.
    pub fn next_events(controller: *Controller, out: []Message, timeout_ns: u64) i32 {
        assert(out.len > 0);
        var timer = std.time.Timer.start() catch unreachable;
        // Spin a little first: the next event usually follows within microseconds, and a
        // sleeping thread on an idle vCPU takes far longer than that to wake.
        while (timer.read() < events_poll_ns and timer.read() < timeout_ns) {
            controller.mutex.lock();
            const ready = controller.events.count() > 0 or controller.interrupted or controller.closed;
            controller.mutex.unlock();
            if (ready) break;
            _ = std.os.linux.syscall0(.sched_yield); // on a single CPU the tracer must get to run
        }
        controller.mutex.lock();
        defer controller.mutex.unlock();
        while (controller.events.count() == 0 and !controller.interrupted and !controller.closed) {
            const elapsed = timer.read();
            if (elapsed >= timeout_ns) break;
            controller.events_ready.timedWait(&controller.mutex, timeout_ns - elapsed) catch {};
        }
        controller.interrupted = false;
        if (controller.events.count() == 0 and controller.closed) return -1;
        var count: u32 = 0;
        while (count < out.len) : (count += 1) {
            out[count] = controller.events.pop() orelse break;
        }
        controller.delivered +%= count;
        if (count > 0) controller.space_ready.broadcast();
        return @intCast(count);
    }

    /// Policy side: queues replies (copying spawn specs) and acknowledges every event delivered
    /// so far. Waits while the rings are full. Returns 0, or a negative code for a bad reply.
    pub fn submit(controller: *Controller, replies: []const Message) i32 {
        controller.mutex.lock();
        for (replies) |reply| {
            var message = reply;
            if (reply.kind == protocol.Reply.spawn) {
                const len = reply.args[1];
                if (len == 0 or len > shared.spec_size_max) {
                    controller.mutex.unlock();
                    return -3;
                }
                const index = controller.claim_spawn_slot() orelse {
                    controller.mutex.unlock();
                    return -2;
                };
                const slot = &controller.shared.slots[index];
                const source: [*]const u8 = @ptrFromInt(reply.args[0]);
                @memcpy(slot.bytes[0..len], source[0..len]);
                slot.len = @intCast(len);
                slot.request_id = reply.aux;
                slot.fork_errno = 0;
                controller.slot_requests[index] = .{
                    .id = reply.aux,
                    .len = @intCast(len),
                    .hold_at_exec = spawn.flags_of(source[0..len]) & spawn.flag_hold_at_exec != 0,
                };
                message.args[0] = index;
            }
            while (controller.replies.free() == 0 and !controller.closed) controller.space_ready.wait(&controller.mutex);
            if (controller.closed) break;
            controller.replies.push_assume_capacity(message);
        }
        controller.acknowledged.store(controller.delivered, .seq_cst);
        controller.mutex.unlock();
        sys.futex_wake(&controller.acknowledged);
        controller.ring_doorbell();
        return 0;
    }

    /// Caller holds the mutex. Waits for a free slot; null once closed.
    fn claim_spawn_slot(controller: *Controller) ?u8 {
        while (!controller.closed) {
            for (&controller.slot_used, 0..) |*used, index| {
                if (!used.*) {
                    used.* = true;
                    return @intCast(index);
                }
            }
            controller.space_ready.wait(&controller.mutex);
        }
        return null;
    }

    /// Tracer side: init has copied the slot's spec (or the request failed); it may be reused.
    pub fn release_slot(controller: *Controller, index: u8) void {
        shared.release_pages(controller.shared_fd, index, controller.slot_requests[index].len);
        controller.mutex.lock();
        defer controller.mutex.unlock();
        assert(controller.slot_used[index]);
        controller.slot_used[index] = false;
        controller.space_ready.broadcast();
    }

    /// What a host's init is made from.
    pub fn host_resources(controller: *const Controller) hosts.Resources {
        return .{
            .shared_fd = controller.shared_fd,
            .clock_fd = controller.clock_fd,
            .image_fd = controller.image_fd,
        };
    }

    /// Wakes the tracer out of a blocking wait4, if it is in one (or about to be).
    pub fn ring_doorbell(controller: *Controller) void {
        if (controller.sleeping.load(.seq_cst) and controller.doorbell_pid > 0) {
            _ = sys.kill(controller.doorbell_pid, sys.SIGUSR1);
        }
    }

    /// Makes a waiting next_event return 0 now (the policy has other work, e.g. commands).
    pub fn interrupt(controller: *Controller) void {
        controller.mutex.lock();
        controller.interrupted = true;
        controller.events_ready.broadcast();
        controller.mutex.unlock();
    }
};
