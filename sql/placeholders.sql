-- Misspelled concurrency.* settings.  (Alternative outputs: _1 where the
-- library is preloaded, which refuses the first SET at once; _2 on 14,
-- which only warns when the library loads; _3 on 14 with the library
-- preloaded, which accepts them.)
--
-- Until the module is loaded in a session, PostgreSQL takes any
-- concurrency.* name as a placeholder; loading it removes the misspelled
-- ones and refuses them from then on.
SET concurrency.no_such_setting = 'x';
LOAD 'concurrency';
SELECT * FROM regress.try($$SET concurrency.no_such_setting = 'x'$$) \gx
SELECT * FROM regress.try($$SET concurrency.enable = off$$) \gx
SELECT * FROM regress.try($$SELECT set_config('concurrency.onconflict', 'skip', false)$$) \gx
SELECT * FROM regress.try($$SHOW concurrency.no_such_setting$$) \gx
