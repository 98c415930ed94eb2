;; attack: read the realtime clock through WASI clock_time_get without the clock capability (a timer for side channels)
;; must: accepted (std needs the import); it runs and reads the logical stand-in clock, under one second after the epoch, never host time
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "logos_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "logos_execute") (param i32 i32) (result i64)
    (local $v i64) (local $n i32)
    ;; clock 0 (realtime), precision 1 ns, result at 512
    (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 512)))
    (local.set $v (i64.load (i32.const 512)))
    ;; output: status 0, then record{nanos: u64} as a postcard varint
    (i32.store8 (i32.const 2048) (i32.const 0))
    (local.set $n (i32.const 2049))
    (block $done
      (loop $next
        (if (i64.lt_u (local.get $v) (i64.const 128))
          (then
            (i64.store8 (local.get $n) (local.get $v))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $done)))
        (i64.store8 (local.get $n) (i64.or (i64.and (local.get $v) (i64.const 127)) (i64.const 128)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (local.set $v (i64.shr_u (local.get $v) (i64.const 7)))
        (br $next)))
    (i64.or (i64.shl (i64.const 2048) (i64.const 32)) (i64.extend_i32_u (i32.sub (local.get $n) (i32.const 2048)))))
  (@custom "logos.manifest" "{\"name\":\"clock_standin\",\"inputs\":[],\"outputs\":[{\"name\":\"nanos\",\"type\":\"u64\"}]}")
)
