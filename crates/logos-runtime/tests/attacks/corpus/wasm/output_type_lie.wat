;; attack: lie about its output: declare a bool and return the byte 7, hoping a downstream node reads it as true
;; must: accepted; the run fails with ExecErrorKind::OutputType, the value never travels
(module
  (memory (export "memory") 1)
  (func (export "logos_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "logos_execute") (param i32 i32) (result i64)
    (i32.store8 (i32.const 2048) (i32.const 0))
    (i32.store8 (i32.const 2049) (i32.const 7))
    (i64.or (i64.shl (i64.const 2048) (i64.const 32)) (i64.const 2)))
  (@custom "logos.manifest" "{\"name\":\"output_type_lie\",\"inputs\":[],\"outputs\":[{\"name\":\"ok\",\"type\":\"bool\"}]}")
)
