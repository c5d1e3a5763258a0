;; `/run/hog`: hostile. Grows its memory 1 MiB at a time until refused; the sandbox fails
;; the call with `memory_limit` at the first growth past the limit.
(module
  (memory (export "memory") 1)
  (func (export "palisade_alloc") (param $len i32) (result i32)
    (i32.const 1024))
  (func (export "handle") (param $ptr i32) (param $len i32) (result i64)
    (loop $more
      (if (i32.ne (memory.grow (i32.const 16)) (i32.const -1))
        (then (br $more))))
    (i64.const 0)))
