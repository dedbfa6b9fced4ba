import psycopg, time, statistics, sys, os
c = psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{sys.argv[1]}")
print(c.execute("select current_setting('synchronous_commit'), current_setting('wal_sync_method'), current_setting('fsync'), current_setting('commit_delay')").fetchone())
c.execute("create table if not exists zz_t9 (x int)"); c.commit()
out = []
for mode in ["on", "off"]:
    c.execute(f"set synchronous_commit = {mode}"); c.commit()
    ts=[]
    for i in range(200):
        t=time.perf_counter(); c.execute("insert into zz_t9 values (1)"); c.commit(); ts.append(time.perf_counter()-t)
    out.append(f"{mode} {1000*statistics.median(ts):.3f} ms")
c.execute("drop table zz_t9"); c.commit()
print(time.strftime("%H:%M:%S", time.gmtime()), "load", os.getloadavg()[0], *out)
