from zhanhe_counter.main import run

raise SystemExit(run())
