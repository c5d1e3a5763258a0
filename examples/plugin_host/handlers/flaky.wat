;; `/run/flaky`: fails on demand. A body starting with `fail` traps (`unreachable`);
;; anything else answers `ok`. Used to trip its circuit breaker and watch it recover.
(module
  (memory (export "memory") 2)
  (data (i32.const 0) "ok\n")
  (func (export "palisade_alloc") (param $len i32) (result i32)
    (i32.const 1024))
  (func (export "handle") (param $ptr i32) (param $len i32) (result i64)
    (if (i32.ge_u (local.get $len) (i32.const 4))
      (then
        ;; "fail" read as a little-endian i32
        (if (i32.eq (i32.load (local.get $ptr)) (i32.const 0x6c696166))
          (then unreachable))))
    (i64.const 3)))
