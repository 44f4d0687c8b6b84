//! The FFI itself: a context, a session (a scanned device, or a session file), its main loop
//! with a datafeed callback, and a thread-safe way to stop it.
//!
//! Ownership and order (what libsigrok requires, enforced by lifetimes): a [`Device`] and a
//! [`Session`] borrow their [`Context`]; [`Session::run`] starts the acquisition and runs the
//! main loop on the calling thread until libsigrok stops it (the device's sample limit, a
//! [`Flow::Stop`] from the callback, a [`Stopper`], or the device failing); dropping the
//! session then closes its devices and destroys it, and dropping the context calls `sr_exit`.
//! No libsigrok thread outlives any of it, so the same process can start another capture.
#![allow(unsafe_code)]

use std::ffi::{c_void, CStr, CString};
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use libsigrok_sys::sigrok as sr;

/// A libsigrok call that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrError {
    /// What was being done.
    pub what: String,
    /// libsigrok's error code (`SR_ERR_*`), or 0 when the failure was not a return code.
    pub code: i32,
}

impl std::fmt::Display for SrError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.code == 0 {
            write!(f, "{}", self.what)
        } else {
            write!(f, "{}: libsigrok says {:?} ({})", self.what, sigrok_rs::SrError::from(self.code), self.code)
        }
    }
}

impl std::error::Error for SrError {}

fn check(code: i32, what: impl FnOnce() -> String) -> Result<(), SrError> {
    if code == sr::sr_error_code_SR_OK {
        Ok(())
    } else {
        Err(SrError { what: what(), code })
    }
}

/// A libsigrok context (`sr_init` … `sr_exit`). Not `Send`: everything of a capture happens on
/// the thread that made the context.
pub struct Context {
    ptr: *mut sr::sr_context,
}

impl Context {
    /// Initializes libsigrok.
    pub fn new() -> Result<Context, SrError> {
        let mut ptr: *mut sr::sr_context = null_mut();
        // SAFETY: `sr_init` writes a new context into the pointer it is given, which lives on
        // this stack frame; the context is freed once, by `Drop`.
        check(unsafe { sr::sr_init(&mut ptr) }, || "cannot initialize libsigrok".into())?;
        if ptr.is_null() {
            return Err(SrError { what: "libsigrok gave no context".into(), code: 0 });
        }
        Ok(Context { ptr })
    }

    /// Every device the drivers find (the `demo` device is always there).
    pub fn scan(&self) -> Result<Vec<Device<'_>>, SrError> {
        let devices = sigrok_rs::Device::scan(self.ptr)
            .map_err(|e| SrError { what: format!("scanning for devices: libsigrok says {e:?}"), code: 0 })?;
        Ok(devices.into_iter().map(|dev| Device { dev, opened: false, _ctx: PhantomData }).collect())
    }

    /// A session with one scanned device (opened here if it is not yet; closed with the session).
    pub fn session<'c>(&'c self, mut device: Device<'c>) -> Result<Session<'c>, SrError> {
        device.open()?;
        let sdi = device.dev.get_pointer();
        let mut ptr: *mut sr::sr_session = null_mut();
        // SAFETY: the context is alive (borrowed for 'c); `sr_session_new` writes a new session.
        let made = check(unsafe { sr::sr_session_new(self.ptr, &mut ptr) }, || "cannot make a session".into());
        if let Err(e) = made {
            // SAFETY: `sdi` was opened above by this context's driver and is not in a session.
            unsafe { sr::sr_dev_close(sdi) };
            return Err(e);
        }
        let session = Session { ptr, close: vec![sdi], stopper: Stopper::default(), _ctx: PhantomData };
        // SAFETY: both pointers are alive; the session owns neither the device (the driver does)
        // nor the context. On failure `session`'s Drop closes the device and destroys the session.
        check(unsafe { sr::sr_session_dev_add(session.ptr, sdi) }, || "cannot add the device to the session".into())?;
        Ok(session)
    }

    /// A session replaying a sigrok session file through libsigrok's own loader
    /// (`sr_session_load`: the `virtual-session` driver).
    pub fn load(&self, path: &Path) -> Result<Session<'_>, SrError> {
        let name = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| SrError { what: format!("{} has a NUL byte in its name", path.display()), code: 0 })?;
        let mut ptr: *mut sr::sr_session = null_mut();
        // SAFETY: the context is alive, `name` is a NUL-terminated string that outlives the call,
        // and `sr_session_load` writes a new session (which owns the devices it makes).
        check(unsafe { sr::sr_session_load(self.ptr, name.as_ptr(), &mut ptr) }, || {
            format!("libsigrok cannot load {}", path.display())
        })?;
        Ok(Session { ptr, close: Vec::new(), stopper: Stopper::default(), _ctx: PhantomData })
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: every session and device borrowed this context and is gone (lifetimes), so no
        // libsigrok object refers to it any more; it is freed once.
        unsafe { sr::sr_exit(self.ptr) };
    }
}

/// A device found by [`Context::scan`]: `sigrok-rs`'s description and configuration.
pub struct Device<'c> {
    dev: sigrok_rs::Device,
    opened: bool,
    _ctx: PhantomData<&'c Context>,
}

impl Device<'_> {
    /// `sigrok-rs`'s view of the device (names, options).
    pub fn info(&self) -> &sigrok_rs::Device {
        &self.dev
    }

    /// Opens the device (once): most options can only be set on an open device.
    pub fn open(&mut self) -> Result<(), SrError> {
        if !self.opened {
            self.dev
                .open()
                .map_err(|e| SrError { what: format!("cannot open the device: libsigrok says {e:?}"), code: 0 })?;
            self.opened = true;
        }
        Ok(())
    }

    /// Configuration through `sigrok-rs` (`set_option`, `channel_enable`); open it first.
    pub fn config(&mut self) -> &mut sigrok_rs::Device {
        &mut self.dev
    }

    /// Its channels.
    pub fn channels(&self) -> Vec<Channel> {
        channels_of(self.dev.get_pointer())
    }

    /// The sample rate it is set to, as libsigrok reads it back.
    pub fn samplerate(&self) -> Option<u64> {
        samplerate_of(self.dev.get_pointer())
    }
}

/// A channel of a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Name (`D0`).
    pub name: String,
    /// libsigrok's index: the bit of a logic sample for a logic channel.
    pub index: u32,
    /// A logic (not analog) channel.
    pub logic: bool,
    /// Enabled.
    pub enabled: bool,
}

fn channels_of(sdi: *mut sr::sr_dev_inst) -> Vec<Channel> {
    let mut out = Vec::new();
    if sdi.is_null() {
        return out;
    }
    // SAFETY: `sdi` is a live device of a live context (callers hold a borrow of it); the list
    // and its `sr_channel`s belong to the device and are only read here, not kept.
    let mut node = unsafe { sr::sr_dev_inst_channels_get(sdi) };
    while !node.is_null() {
        // SAFETY: `node` is a non-null element of the device's GSList (see above).
        let (data, next) = unsafe { ((*node).data, (*node).next) };
        if !data.is_null() {
            // SAFETY: each element of a device's channel list is an `sr_channel`.
            let ch = unsafe { &*(data as *const sr::sr_channel) };
            let name = if ch.name.is_null() {
                format!("CH{}", ch.index)
            } else {
                // SAFETY: a channel's name is a NUL-terminated string owned by the channel.
                unsafe { CStr::from_ptr(ch.name) }.to_string_lossy().into_owned()
            };
            if let Ok(index) = u32::try_from(ch.index) {
                out.push(Channel {
                    name,
                    index,
                    logic: ch.type_ == sr::sr_channeltype_SR_CHANNEL_LOGIC as i32,
                    enabled: ch.enabled != 0,
                });
            }
        }
        node = next;
    }
    out
}

fn samplerate_of(sdi: *mut sr::sr_dev_inst) -> Option<u64> {
    if sdi.is_null() {
        return None;
    }
    // SAFETY: `sdi` is a live device (see `channels_of`); `sr_config_get` writes a new GVariant
    // (a floating-free reference we own) on success, which is read and unreferenced here.
    unsafe {
        let driver = sr::sr_dev_inst_driver_get(sdi);
        let mut v: *mut sr::GVariant = null_mut();
        let code = sr::sr_config_get(driver, sdi, null(), sr::sr_configkey_SR_CONF_SAMPLERATE, &mut v);
        if code != sr::sr_error_code_SR_OK || v.is_null() {
            return None;
        }
        let v = v as *mut glib_sys::GVariant;
        let is_u64 = glib_sys::g_variant_is_of_type(v, c"t".as_ptr() as *const glib_sys::GVariantType) != 0;
        let rate = is_u64.then(|| glib_sys::g_variant_get_uint64(v));
        glib_sys::g_variant_unref(v);
        rate.filter(|&r| r > 0)
    }
}

/// One packet of the datafeed, valid during the callback only.
#[derive(Debug)]
pub enum Packet<'a> {
    /// The acquisition started.
    Header,
    /// Samples of `unitsize` bytes each (bit `i` of a sample is the channel of index `i`).
    Logic {
        /// Bytes per sample.
        unitsize: usize,
        /// The samples.
        data: &'a [u8],
    },
    /// The acquisition ended: nothing follows.
    End,
    /// Another packet type (`SR_DF_*`), ignored by atscope.
    Other(u32),
}

/// What the callback wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep the acquisition going.
    Continue,
    /// Stop the acquisition (the callback still sees the packets sent while it winds down).
    Stop,
}

/// How [`Session::run`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunEnd {
    /// An `SR_DF_END` packet arrived (the acquisition ended in order).
    pub saw_end: bool,
    /// A [`Stopper`] or the callback asked for the stop.
    pub stop_requested: bool,
}

/// Stops a running session from any thread; harmless before the run and after it.
#[derive(Clone, Default)]
pub struct Stopper {
    inner: Arc<StopInner>,
}

#[derive(Default)]
struct StopInner {
    requested: AtomicBool,
    /// The running session's address, 0 when none runs.
    session: Mutex<usize>,
}

impl Stopper {
    /// Asks the session to stop (now if it runs, as soon as it starts otherwise).
    pub fn stop(&self) {
        self.inner.requested.store(true, Ordering::SeqCst);
        let running = self.inner.session.lock().unwrap_or_else(|e| e.into_inner());
        if *running != 0 {
            // SAFETY: the address is set only while `Session::run` runs the session's loop, and
            // cleared (under this lock) before `run` returns, so the session is alive here.
            // `sr_session_stop` is libsigrok's thread-safe stop: from another thread it queues the
            // stop on the session's main context and returns.
            unsafe { sr::sr_session_stop(*running as *mut sr::sr_session) };
        }
    }

    /// Whether a stop was asked for.
    pub fn requested(&self) -> bool {
        self.inner.requested.load(Ordering::SeqCst)
    }
}

/// A libsigrok session with its device(s).
pub struct Session<'c> {
    ptr: *mut sr::sr_session,
    /// Devices this crate opened (a loaded session's own devices are the session's).
    close: Vec<*mut sr::sr_dev_inst>,
    stopper: Stopper,
    _ctx: PhantomData<&'c Context>,
}

/// What the datafeed callback reaches through its `cb_data` pointer.
struct Feed<'f> {
    on_packet: &'f mut dyn FnMut(Packet<'_>) -> Flow,
    session: *mut sr::sr_session,
    stopping: bool,
    saw_end: bool,
    panicked: bool,
}

impl Session<'_> {
    /// The session's first device.
    fn first_device(&self) -> *mut sr::sr_dev_inst {
        let mut list: *mut sr::GSList = null_mut();
        // SAFETY: the session is alive; the list is a new GSList of borrowed device pointers,
        // read once and freed (not its elements) here.
        unsafe {
            if sr::sr_session_dev_list(self.ptr, &mut list) != sr::sr_error_code_SR_OK || list.is_null() {
                return null_mut();
            }
            let first = (*list).data as *mut sr::sr_dev_inst;
            glib_sys::g_slist_free(list as *mut glib_sys::GSList);
            first
        }
    }

    /// The channels of its (first) device.
    pub fn channels(&self) -> Vec<Channel> {
        channels_of(self.first_device())
    }

    /// The sample rate of its (first) device.
    pub fn samplerate(&self) -> Option<u64> {
        samplerate_of(self.first_device())
    }

    /// A handle that stops [`Session::run`] from another thread.
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// Starts the acquisition and runs libsigrok's main loop on this thread until it stops,
    /// calling `on_packet` for every packet (on this thread, from inside the loop). A panic in
    /// `on_packet` stops the session and is reported as an error.
    pub fn run(&mut self, on_packet: &mut dyn FnMut(Packet<'_>) -> Flow) -> Result<RunEnd, SrError> {
        let mut feed = Feed { on_packet, session: self.ptr, stopping: false, saw_end: false, panicked: false };
        let feed_ptr: *mut Feed<'_> = &mut feed;
        // SAFETY: `feed` outlives the loop below, and the callback is removed before it goes
        // (`sr_session_datafeed_callback_remove_all` after `sr_session_run`).
        check(
            unsafe { sr::sr_session_datafeed_callback_add(self.ptr, Some(datafeed), feed_ptr as *mut c_void) },
            || "cannot register the datafeed callback".into(),
        )?;
        // A main context of this run's own, made this thread's default so that libsigrok uses it:
        // a stop that arrives as the run ends leaves its (never dispatched) idle source there, and
        // that goes with the context, instead of firing at a freed session in a later run on
        // GLib's global default context.
        // SAFETY: a new context, owned here until the matching pop and unref below.
        let main = unsafe { glib_sys::g_main_context_new() };
        // SAFETY: `main` is alive; popped on this thread below.
        unsafe { glib_sys::g_main_context_push_thread_default(main) };
        *self.stopper.inner.session.lock().unwrap_or_else(|e| e.into_inner()) = self.ptr as usize;
        // SAFETY: the session and its devices are alive and configured; start and run happen on
        // this thread, which owns the session's main context from here to the end of the loop.
        let started = check(unsafe { sr::sr_session_start(self.ptr) }, || "cannot start the acquisition".into());
        let ran = started.and_then(|()| {
            if self.stopper.requested() {
                // A stop asked for before the session had a main context was a no-op: repeat it.
                // SAFETY: the session was started on this thread.
                unsafe { sr::sr_session_stop(self.ptr) };
            }
            // SAFETY: started above on this thread; returns once the session has stopped.
            check(unsafe { sr::sr_session_run(self.ptr) }, || "the acquisition failed".into())
        });
        *self.stopper.inner.session.lock().unwrap_or_else(|e| e.into_inner()) = 0;
        // SAFETY: pushed above on this thread; the loop is over, so nothing iterates `main` now.
        unsafe {
            glib_sys::g_main_context_pop_thread_default(main);
            glib_sys::g_main_context_unref(main);
        }
        // SAFETY: the loop has returned: no callback runs any more; drop the pointer to `feed`.
        unsafe { sr::sr_session_datafeed_callback_remove_all(self.ptr) };
        ran?;
        if feed.panicked {
            return Err(SrError { what: "the datafeed callback panicked (a bug in atscope)".into(), code: 0 });
        }
        Ok(RunEnd { saw_end: feed.saw_end, stop_requested: feed.stopping || self.stopper.requested() })
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        // SAFETY: `run` has returned (it borrows the session mutably), so libsigrok's loop is not
        // running this session; the devices were opened by this crate and belong to the live
        // context; the session is destroyed once, after its devices are closed and removed.
        unsafe {
            sr::sr_session_dev_remove_all(self.ptr);
            for &sdi in &self.close {
                sr::sr_dev_close(sdi);
            }
            sr::sr_session_destroy(self.ptr);
        }
    }
}

/// libsigrok's datafeed callback: hands the packet to the [`Feed`]'s closure.
unsafe extern "C" fn datafeed(
    _sdi: *const sr::sr_dev_inst,
    packet: *const sr::sr_datafeed_packet,
    cb_data: *mut c_void,
) {
    if packet.is_null() || cb_data.is_null() {
        return;
    }
    let feed = cb_data as *mut Feed<'_>;
    // SAFETY: libsigrok passes a packet valid for the duration of the call.
    let p = unsafe { *packet };
    let pk = match u32::from(p.type_) {
        sr::sr_packettype_SR_DF_HEADER => Packet::Header,
        sr::sr_packettype_SR_DF_END => Packet::End,
        sr::sr_packettype_SR_DF_LOGIC if !p.payload.is_null() => {
            // SAFETY: an SR_DF_LOGIC packet's payload is an `sr_datafeed_logic` whose `data`
            // holds `length` bytes, valid for the duration of the call.
            let l = unsafe { &*(p.payload as *const sr::sr_datafeed_logic) };
            let data: &[u8] = if l.data.is_null() || l.length == 0 {
                &[]
            } else {
                // SAFETY: see above.
                unsafe { std::slice::from_raw_parts(l.data as *const u8, l.length as usize) }
            };
            Packet::Logic { unitsize: usize::from(l.unitsize), data }
        }
        t => Packet::Other(t),
    };
    let is_end = matches!(pk, Packet::End);
    // The `Feed` is only reached through short-lived borrows that end before libsigrok is
    // called again: stopping a session from its callback sends SR_DF_END re-entrantly.
    let (stop, session) = {
        // SAFETY: `cb_data` is the `Feed` registered by `Session::run`, alive while its loop runs;
        // no other borrow of it is live (see above; `run` does not touch it during the loop).
        let f = unsafe { &mut *feed };
        f.saw_end |= is_end;
        let flow = if f.panicked {
            Flow::Stop
        } else {
            match catch_unwind(AssertUnwindSafe(|| (f.on_packet)(pk))) {
                Ok(flow) => flow,
                Err(_) => {
                    f.panicked = true;
                    Flow::Stop
                }
            }
        };
        let stop = flow == Flow::Stop && !f.stopping && !is_end;
        f.stopping |= stop;
        (stop, f.session)
    };
    if stop {
        // SAFETY: called on the thread running the session's loop (as sigrok-cli does from its
        // datafeed callback); no borrow of the `Feed` is live across the re-entrant SR_DF_END.
        unsafe { sr::sr_session_stop(session) };
    }
}
