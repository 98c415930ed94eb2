;; attack: run code at instantiation, before the host calls logos_execute, through a start function
;; must: VerifyError::StartFunction at ingestion
(module
  (memory (export "memory") 1)
  (func (export "logos_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "logos_execute") (param i32 i32) (result i64)
    ;; output: status 0, then record{ok: bool} = true, at 2048
    (i32.store8 (i32.const 2048) (i32.const 0))
    (i32.store8 (i32.const 2049) (i32.const 1))
    (i64.or (i64.shl (i64.const 2048) (i64.const 32)) (i64.const 2)))
  (func $boot)
  (start $boot)
  (@custom "logos.manifest" "{\"name\":\"start_function\",\"inputs\":[],\"outputs\":[{\"name\":\"ok\",\"type\":\"bool\"}]}")
)
