"""Reads both faces use: journals and their exports, the access log, case history, statistics, and
read-your-writes. Each takes the running application (or a read transaction of its views) and
returns plain data: no request, no response, no session; the API and the web shape the answer."""
