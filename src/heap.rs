//! The heap's live bytes and their peak, counted by the binary's allocator when it is built
//! with the `heap-stats` feature, for `scripts/bench.sh`: the same run gives the same
//! counts, where its peak RSS moves by megabytes from one run to the next. Without the
//! feature, [`stage`] does nothing and nothing is counted.

/// Writes to standard error, when `KARPLINT_HEAP_STATS` is set, the live heap at the end of
/// the stage `name` and its peak since the previous stage's end (`karplint heap: NAME live
/// BYTES peak BYTES`).
pub fn stage(name: &str) {
    #[cfg(feature = "heap-stats")]
    counting::stage(name);
    #[cfg(not(feature = "heap-stats"))]
    let _ = name;
}

#[cfg(feature = "heap-stats")]
pub use counting::Counting;

#[cfg(feature = "heap-stats")]
mod counting {
    use std::alloc::{GlobalAlloc, Layout};
    use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};

    static LIVE: AtomicIsize = AtomicIsize::new(0);
    static PEAK: AtomicIsize = AtomicIsize::new(0);

    /// An allocator that counts what `A` holds allocated.
    pub struct Counting<A>(pub A);

    fn grew(by: isize) {
        let live = LIVE.fetch_add(by, Relaxed) + by;
        PEAK.fetch_max(live, Relaxed);
    }

    // SAFETY: every call is passed on to `A` unchanged; only counters are updated.
    unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            grew(layout.size() as isize);
            // SAFETY: the caller's contract, passed on.
            unsafe { self.0.alloc(layout) }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            grew(layout.size() as isize);
            // SAFETY: the caller's contract, passed on.
            unsafe { self.0.alloc_zeroed(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            LIVE.fetch_sub(layout.size() as isize, Relaxed);
            // SAFETY: the caller's contract, passed on.
            unsafe { self.0.dealloc(ptr, layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            grew(new_size as isize - layout.size() as isize);
            // SAFETY: the caller's contract, passed on.
            unsafe { self.0.realloc(ptr, layout, new_size) }
        }
    }

    pub(super) fn stage(name: &str) {
        if std::env::var_os("KARPLINT_HEAP_STATS").is_none() {
            return;
        }
        let live = LIVE.load(Relaxed);
        let peak = PEAK.swap(live, Relaxed);
        eprintln!("karplint heap: {name} live {live} peak {peak}");
    }
}
