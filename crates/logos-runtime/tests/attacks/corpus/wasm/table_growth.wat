;; attack: grow a function table to a million entries, a memory bomb the memory limit does not see
;; must: accepted; the run fails with ExecErrorKind::Limit(LimitKind::Table { limit: 10_000 })
(module
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (func (export "logos_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "logos_execute") (param i32 i32) (result i64)
    (drop (table.grow $t (ref.null func) (i32.const 1000000)))
    (i32.store8 (i32.const 2048) (i32.const 0))
    (i32.store8 (i32.const 2049) (i32.const 1))
    (i64.or (i64.shl (i64.const 2048) (i64.const 32)) (i64.const 2)))
  (@custom "logos.manifest" "{\"name\":\"table_growth\",\"inputs\":[],\"outputs\":[{\"name\":\"ok\",\"type\":\"bool\"}]}")
)
