"""Running one piece of a test in many threads at once, to make writers race."""
import threading
from collections.abc import Callable, Iterable


def run_together(target: Callable, arguments: Iterable[tuple]) -> None:
    """Starts target(*args) in a thread for each args, then waits for all of them to end."""
    threads = [threading.Thread(target=target, args=args) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
