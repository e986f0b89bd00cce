-- Misspelled concurrency.* settings.  (Where the library is preloaded,
-- expected/placeholders_1.out, the first SET is refused at once; 14 only
-- warns, expected/placeholders_2.out.)
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
