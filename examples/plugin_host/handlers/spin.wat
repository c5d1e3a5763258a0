;; `/run/spin`: hostile. Loops forever; stopped by fuel or the deadline.
(module
  (memory (export "memory") 2)
  (func (export "palisade_alloc") (param $len i32) (result i32)
    (i32.const 1024))
  (func (export "handle") (param $ptr i32) (param $len i32) (result i64)
    (loop $forever (br $forever))
    (i64.const 0)))
