"""bankml on Apache Spark: the same registry models, feature SQL, segments and offers, distributed.

`spark_session` starts Spark (local[*], a master URL, or SPARK_REMOTE); fitted objects go to the
executors once as checksummed bytes (`broadcast`); `scoring`, `features`, `segments` and `offers`
run the local code on Arrow batches with `mapInPandas`, so the two engines give the same answers.
PySpark is an optional dependency (`pip install 'bankml[spark]'`); nothing else imports this package.
"""
