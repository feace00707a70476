package io.tocsin.standalone.demo.city;

/**
 * How big a city is: the counts the fleet generator ({@link CityPlan}) builds.
 *
 * @param chemicalParks     parks, each with its own fire station and gas detectors voting 2oo3 in zones
 * @param enterprises       high-risk enterprises (some of them inside the parks)
 * @param communities       communities, each with a micro fire station and smoke detectors
 * @param smokeDetectors    smoke detectors in total, across parks, enterprises and communities
 * @param enterprisesInParks how many of the enterprises lie inside a park (spread evenly over the parks)
 */
public record CityProfile(int chemicalParks, int enterprises, int communities, int smokeDetectors,
                          int enterprisesInParks) {

    /** Smoke detectors of one park's fire panel. */
    static final int PARK_SMOKE = 40;
    /** Smoke detectors of one enterprise's fire panel. */
    static final int ENTERPRISE_SMOKE = 30;

    public CityProfile {
        if (chemicalParks < 1 || enterprises < 1 || communities < 1) {
            throw new IllegalArgumentException("a city needs at least one park, enterprise and community: " + this);
        }
        if (enterprisesInParks > enterprises) {
            throw new IllegalArgumentException("more enterprises in parks than enterprises: " + this);
        }
        int inCommunities = smokeDetectors - chemicalParks * PARK_SMOKE - enterprises * ENTERPRISE_SMOKE;
        if (inCommunities < communities) {
            throw new IllegalArgumentException(smokeDetectors + " smoke detectors are too few for " + communities
                    + " communities after the parks' and enterprises' panels");
        }
    }

    /**
     * The city of the seed report (Jining, 2017): 7 chemical parks each with a fire station built for it, 292
     * high-risk enterprises in the emergency database, 272 communities with micro fire stations and 29,809 smoke
     * detectors. How many enterprises lie in the parks is not in the report: 70 (10 a park) is an assumption.
     */
    public static CityProfile seedCity() {
        return new CityProfile(7, 292, 272, 29_809, 70);
    }

    /** A small city of the same shape, for tests: 1 park, 6 enterprises (2 in the park), 4 communities. */
    public static CityProfile small() {
        return new CityProfile(1, 6, 4, PARK_SMOKE + 6 * ENTERPRISE_SMOKE + 4 * 20, 2);
    }

    /** Smoke detectors in the communities: what is left after the parks' and enterprises' fire panels. */
    int communitySmokeDetectors() {
        return smokeDetectors - chemicalParks * PARK_SMOKE - enterprises * ENTERPRISE_SMOKE;
    }

    public int sites() {
        return chemicalParks + enterprises + communities;
    }
}
