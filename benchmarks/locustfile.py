"""Load test for `make bench` (benchmarks/test_load.py): BENCH_PATH requested by signed-in users.

Run headless by the benchmark with 32 users against gunicorn (2 workers) on 127.0.0.1; each user
carries the session cookie in BENCH_SESSION (a session the benchmark created in the database).
Anything but a 200 (a redirect to sign-in, an error) counts as a failure, and the run fails.
"""

import os

from locust import HttpUser, constant, task


class SignedInUser(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.client.cookies.set("sessionid", os.environ["BENCH_SESSION"])

    @task
    def page(self):
        with self.client.get(
            os.environ["BENCH_PATH"], name="page", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
