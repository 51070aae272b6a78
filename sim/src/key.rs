//! The Verilated session key unit of the reasm stage (`hdl::reasm::key`) alone: the way key and
//! the two candidate buckets of a canonical flow tuple, for the comparison with
//! `proto::reasm::directory::way_key` and `proto::reasm::session_buckets`.

use crate::ffi;

pub struct KeySim {
    h: *mut ffi::KeyHarness,
}

impl Default for KeySim {
    fn default() -> Self {
        // SAFETY: vk_new allocates a harness owned by the returned value (freed in Drop).
        KeySim {
            h: unsafe { ffi::vk_new() },
        }
    }
}

impl KeySim {
    /// The way key and the two buckets of a 36-byte canonical tuple under a 48-byte key.
    pub fn eval(
        &mut self,
        tuple: &[u8; 36],
        key: &[u8; 48],
        v6: bool,
        bucket_bits: u8,
    ) -> (u128, u32, u32) {
        let t: [u32; 9] = ffi::words(tuple);
        let k: [u32; 12] = ffi::words(key);
        let mut way = [0u32; 4];
        let (mut b1, mut b2) = (0u32, 0u32);
        // SAFETY: h is live; the arrays have the lengths the shim reads and writes.
        unsafe {
            ffi::vk_eval(
                self.h,
                t.as_ptr(),
                k.as_ptr(),
                u8::from(v6),
                bucket_bits,
                way.as_mut_ptr(),
                &mut b1,
                &mut b2,
            )
        };
        let way_key = way
            .iter()
            .enumerate()
            .fold(0u128, |acc, (i, w)| acc | (u128::from(*w) << (32 * i)));
        (way_key, b1, b2)
    }
}

impl Drop for KeySim {
    fn drop(&mut self) {
        // SAFETY: h came from vk_new and is freed once.
        unsafe { ffi::vk_free(self.h) }
    }
}
