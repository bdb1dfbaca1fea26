"""The simulated industry, for development, tests, demos and benchmarks (never part of the
production image): this package's modules are a stand-in CSS; `simulator.market` is the
simulated market file and its generator; `simulator.enquiry` serves that market as the
electricity (JSON) and gas (SOAP) enquiry services.

The stand-in CSS
----------------

It speaks the interface profile of `css/` over HTTPS with mutual TLS (it requires a
supplier-CA client certificate), verifies the JWS of every `/v1` request, signs every
answer and notification, and plays each registration's lifecycle on a simulated clock
with the engine's own England & Wales calendar:

    RECEIVED --validation delay--> VALIDATED (objection window 1 working day D / 2 N)
    --window end--> CONFIRMED --gate closure (17:00 London, working day before SSD)-->
    SECURED --00:00 London on the SSD--> ACTIVE

A requested SSD earlier than the earliest possible at validation moves to the earliest,
and VALIDATED.supplyStartDate says so. A request more than 28 days ahead, an MPAN/MPRN
with a wrong check digit or a malformed supplier id is REJECTED with a reason code.

Scenarios, per meter point
--------------------------
The simulated market (`simulator.meter_points`) holds, for each MPAN core or MPRN, the
market sector CSS holds (which sets the objection window and VALIDATED.marketSector,
whatever the request says) and the story its registrations play; a meter point it does
not hold is domestic and plays `happy`. Fill it with `PUT /control/meter-points/{mpxn}`
or `switching simulator --meter-points FILE`.

    scenario          what happens
    happy             VALIDATED, CONFIRMED, SECURED, ACTIVE on schedule
    reject            REJECTED at validation (reasonCode, default METER_POINT_NOT_FOUND)
    object            VALIDATED, OBJECTION_RAISED mid-window, OBJECTED at its end
    object-then-lift  VALIDATED, OBJECTION_RAISED, OBJECTION_LIFTED, then happy
    annul             VALIDATED, CONFIRMED, ANNULLED before gate closure
                      (reasonCode, default ANNULLED_BY_LOSING_SUPPLIER)
    slow              the state moves on schedule (GET shows it) but every
                      notification after VALIDATED is held back 33 sim-days,
                      or until released: exercises reconciliation
    manual            nothing automatic at all; tests send each notification

An objection follows the losing supplier's rules (`domain.objections`) on the meter
point's `objectionGround` (DEBT by default, or CONTRACT): with `erroneousTransfer`, on a
change of occupancy for debt, or for a contract on a domestic meter point, none is raised
(object scenarios play happy) and one sent through the controls is refused, 409
OBJECTION_NOT_ALLOWED.
A withdrawal is accepted (WITHDRAWN pushed) until SECURED, then refused 409
ALREADY_SECURED; on a terminal registration 409 REGISTRATION_CLOSED.

Controls (methods of `Simulator`, and over HTTP on the same server)
-------------------------------------------------------------------
    GET  /control/registrations[?messageId=]      registrations (count per message id)
    GET  /control/meter-points                     the simulated market's meter points
    PUT  /control/meter-points/{mpxn}              {"scenario"?, "marketSector"?,
                                                   "reasonCode"?, "objectionGround"?}
    POST /control/registrations/{id}/notifications {"eventType", "reasonCode"?}: send now
    POST /control/registrations/{id}/release       deliver what `slow` holds back
    GET|POST /control/clock                        {"advanceSeconds"?, "speed"?}
    GET|POST /control/faults                       fault settings (see faults.FaultSettings)
    POST /control/rotate-key                       sign with the next kid (all published)
    POST /control/raw-notification                 {"body", "sign"?}: one raw push attempt
    GET  /control/deliveries                       notifications acknowledged so far
    GET  /v1/keys                                  the published JWKS (signed)

Faults: a share (or the next N) of `/v1` requests answered 503; registrations recorded and
then answered after `stall_seconds` (past the client's timeout); notifications duplicated,
swapped with the next one, or delayed; signing-key rotation. Notifications are POSTed to
`<receiver-url>/v1/notifications` with the industry client certificate, retried with
backoff until a 2xx.
"""

from simulator.clock import SimClock
from simulator.faults import FaultSettings
from simulator.meter_points import MeterPoint, MeterPoints
from simulator.scenarios import Scenario
from simulator.server import RunningSimulator, SimulatorConfig, running_simulator
from simulator.service import LifecycleSettings, Simulator

__all__ = [
    "FaultSettings",
    "LifecycleSettings",
    "MeterPoint",
    "MeterPoints",
    "RunningSimulator",
    "Scenario",
    "SimClock",
    "Simulator",
    "SimulatorConfig",
    "running_simulator",
]
