"""A local Function Compute 3.0 runtime for ``s.yaml``'s functions (development tooling).

- :mod:`~emulator.fc.project`: ``s.yaml`` read (vars, ``extend`` templates, triggers, async config);
- :mod:`~emulator.fc.instances` / :mod:`~emulator.fc.worker`: function instances as processes;
- :mod:`~emulator.fc.runtime`: sync and async invocation with FC's async retries and on-failure destination;
- :mod:`~emulator.fc.events`: the HTTP, timer and EventBridge events and the context FC hands over;
- :mod:`~emulator.fc.cron`, :mod:`~emulator.fc.timer`: timer triggers;
- :mod:`~emulator.fc.bus`: a local EventBridge bus delivering CloudEvents to functions;
- :mod:`~emulator.fc.mns`, :mod:`~emulator.fc.streams`: local MNS queues, the MNS queue triggers
  draining them, dead letters and their redrive (``python -m emulator.fc``);
- :mod:`~emulator.fc.gateway`, :mod:`~emulator.fc.stack`: the HTTP front and its assembly;
- :mod:`~emulator.fc.api`: FC's invoke API on the emulator's port (fc2 and FC 3.0 signatures).

Nothing here is imported by ``shared/`` or deployed.
"""
