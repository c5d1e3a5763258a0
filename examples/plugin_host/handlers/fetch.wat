;; `/run/fetch`: controlled outgoing HTTP. The request body is the request to make,
;; `METHOD URL\nBODY` (e.g. `GET http://127.0.0.1:8081/hello\n`); the host checks it against
;; `[outgoing_http]` and answers `STATUS\nBODY`. A refused request answers `denied\n`, any
;; other failure `failed\n`.
(module
  (import "palisade" "http_request"
    (func $http_request (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "denied\n")
  (data (i32.const 16) "failed\n")
  (func (export "palisade_alloc") (param $len i32) (result i32)
    (i32.const 1024))
  (func (export "handle") (param $ptr i32) (param $len i32) (result i64)
    (local $written i32)
    ;; The response goes to 65536 (the second page), up to 65536 bytes.
    (local.set $written
      (call $http_request (local.get $ptr) (local.get $len) (i32.const 65536) (i32.const 65536)))
    (if (i32.ge_s (local.get $written) (i32.const 0))
      (then
        (return
          (i64.or (i64.const 0x1000000000000)
                  (i64.extend_i32_u (local.get $written))))))
    (if (i32.eq (local.get $written) (i32.const -1))
      (then (return (i64.const 7))))
    ;; (16 << 32) | 7
    (i64.const 0x1000000007)))
