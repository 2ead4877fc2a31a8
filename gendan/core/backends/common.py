"""What Gendan's database backends share."""

import _thread


class SameThreadFirst:
    """validate_thread_sharing asking the cheap question first.

    Django checks "may this connection be shared between threads?" (which takes a lock)
    before "is this the thread that opened it?" on every cursor, commit and rollback; the
    answer to the second is almost always yes.
    """

    def validate_thread_sharing(self):
        if self._thread_ident != _thread.get_ident():
            super().validate_thread_sharing()
