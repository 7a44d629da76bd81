"""Events other apps may listen to, so that assistance never has to know them.

``request_moved`` is sent inside the transaction of every status move of a help request (accepting,
assigning, starting, finishing, cancelling, withdrawing the worker, handing it to another TCSO), after
the move is written: a receiver's writes commit or roll back with the move. Keyword arguments:
``help_request`` (as it is after the move), ``from_status``, ``to_status``, ``by`` (the user who moved
it), ``reason`` (the words given, possibly empty) and ``at`` (the moment of the move).
"""

from django.dispatch import Signal

request_moved = Signal()
