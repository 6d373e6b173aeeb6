"""Stack traces in logs keep the exception and the application's frames; library frames fold into one line."""

from __future__ import annotations

import textwrap

from mcp_server.shaping import shape_log_lines
from mcp_server.stack_frames import fold_library_frames

PYTHON_TRACE = textwrap.dedent("""\
Traceback (most recent call last):
  File "/usr/local/lib/python3.12/site-packages/django/db/backends/base/base.py", line 279, in connect
    self.connect()
  File "/usr/local/lib/python3.12/site-packages/django/utils/asyncio.py", line 26, in inner
    return func(*args, **kwargs)
  File "/usr/local/lib/python3.12/site-packages/psycopg2/__init__.py", line 122, in connect
    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
psycopg2.OperationalError: could not translate host name "fulfilment-db" to address
The above exception was the direct cause of the following exception:
Traceback (most recent call last):
  File "/app/manage.py", line 22, in <module>
    main()
  File "/usr/lib/python3.12/asyncio/runners.py", line 44, in run
    return loop.run_until_complete(main)
  File "/app/cli.py", line 9, in main
    connect()
django.db.utils.OperationalError: could not translate host name "fulfilment-db" to address""").splitlines()


def test_a_run_of_python_library_frames_becomes_one_line_naming_the_libraries() -> None:
    folded = fold_library_frames(PYTHON_TRACE)
    assert folded[:3] == [
        "Traceback (most recent call last):",
        "  [3 library frames: django, psycopg2]",
        'psycopg2.OperationalError: could not translate host name "fulfilment-db" to address',
    ]


def test_the_application_frames_the_exception_and_a_lone_library_frame_are_kept() -> None:
    folded = fold_library_frames(PYTHON_TRACE)
    second = folded[folded.index("The above exception was the direct cause of the following exception:") :]
    assert second == PYTHON_TRACE[PYTHON_TRACE.index(second[0]) :]


def test_jvm_framework_frames_fold_and_the_application_package_stays() -> None:
    trace = [
        "java.lang.IllegalStateException: Failed to load ApplicationContext",
        "\tat com.example.orders.OrderService.place(OrderService.java:42)",
        "\tat org.springframework.aop.framework.ReflectiveMethodInvocation.proceed(Reflective.java:186)",
        "\tat org.springframework.transaction.interceptor.TransactionInterceptor.invoke(Tx.java:119)",
        "\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(Direct.java:103)",
        "\tat java.base/java.lang.reflect.Method.invoke(Method.java:580)",
        "\t... 12 more",
    ]
    assert fold_library_frames(trace) == [
        trace[0],
        trace[1],
        "\t[4 library frames: org.springframework, jdk, java]",
        "\t... 12 more",
    ]


def test_node_internal_and_node_modules_frames_fold() -> None:
    trace = [
        "Error: Missing required environment variable: TWILIO_AUTH_TOKEN",
        "    at requireEnv (/app/dist/config.js:9:11)",
        "    at Layer.handle (/app/node_modules/express/lib/router/layer.js:95:5)",
        "    at next (/app/node_modules/express/lib/router/route.js:149:13)",
        "    at Module._compile (node:internal/modules/cjs/loader:1358:14)",
        "    at node:internal/main/run_main_module:28:49",
    ]
    assert fold_library_frames(trace) == [trace[0], trace[1], "    [4 library frames: express, node]"]


def test_lines_that_are_not_frames_are_left_alone() -> None:
    lines = ["at 04:00 the export started", 'File "x" was not found', "  at least 3 retries", ""]
    assert fold_library_frames(lines) == lines


def test_log_shaping_folds_the_frames_of_each_pod_on_its_own() -> None:
    pairs = [("api-1", line) for line in PYTHON_TRACE[:7]] + [("api-2", "ready")]
    text, cut = shape_log_lines(pairs, 10_000, show_pod=True)
    assert not cut
    assert text.split("\n") == [
        "api-1 | Traceback (most recent call last):",
        "api-1 |   [3 library frames: django, psycopg2]",
        "api-2 | ready",
    ]
