;; `/run/hello`: answers a fixed greeting, whatever the request body.
;; Bytes ABI (palisade_sandbox::abi): `handle(ptr, len) -> (out_ptr << 32) | out_len`.
(module
  (memory (export "memory") 2)
  (data (i32.const 0) "hello from wasm\n")
  ;; Inputs are written at 1024 (one request per instance: every call gets a fresh one).
  (func (export "palisade_alloc") (param $len i32) (result i32)
    (i32.const 1024))
  (func (export "handle") (param $ptr i32) (param $len i32) (result i64)
    ;; (0 << 32) | 16
    (i64.const 16)))
